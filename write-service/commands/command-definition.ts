import type { DomainEvent } from '../../schema/events/envelope.js';
import type { Decider } from '../domain/decider.js';
import type { UniqueKey } from '../event-store/event-store.js';

export interface ParseContext {
  /** The moment the command is received: the only clock the domain sees. */
  now: string;
  newId(): string;
}

export interface ParsedCommand<Command> {
  aggregateId: string;
  command: Command;
  /** The client's optimistic-concurrency expectation, when it gave one. */
  expectedVersion?: number;
}

/** Loads the current (write-side) state of another aggregate. */
export type StateLoader = <State>(aggregateType: string, aggregateId: string) => Promise<State>;

/** A value reserved per tenant with the command's events; taken -> CONFLICT on `field`. */
export interface UniqueKeyClaim extends UniqueKey {
  field: string;
}

/**
 * A command endpoint: its name, the aggregate it targets, how to validate the raw input into a
 * domain command (field errors name the input field), and the decider. `enrich` adds what the
 * decision needs from other aggregates; `uniqueKeys` lists values to reserve with the events.
 */
export interface CommandDefinition<Command = any, State = any, Event extends DomainEvent = DomainEvent> {
  name: string;
  aggregateType: string;
  decider: Decider<Command, State, Event>;
  parse(input: Record<string, unknown>, context: ParseContext): ParsedCommand<Command>;
  enrich?(command: Command, load: StateLoader): Promise<Command>;
  uniqueKeys?(command: Command): UniqueKeyClaim[];
}
