import type { DomainEvent } from '../../schema/events/envelope.js';
import type { Decider } from '../domain/decider.js';

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

/**
 * A command endpoint: its GraphQL mutation name, the aggregate it targets, how to validate the
 * raw input into a domain command (field errors name the input field), and the decider.
 */
export interface CommandDefinition<Command = any, State = any, Event extends DomainEvent = DomainEvent> {
  name: string;
  aggregateType: string;
  decider: Decider<Command, State, Event>;
  parse(input: Record<string, unknown>, context: ParseContext): ParsedCommand<Command>;
}
