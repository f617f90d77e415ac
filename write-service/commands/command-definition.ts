import type { DomainEvent } from '../../schema/index.js';
import type { Decider, DomainCommand } from '../domain/decider.js';

/** A wire input as it arrives: the mutation's fields by name, each value not yet checked. */
export type Untrusted<Input> = { readonly [Field in keyof Input]?: unknown };

export interface ParseContext {
  /** The moment the command is received: the only clock the domain sees. */
  now: string;
  newId(): string;
}

export interface Parsed<Command> {
  command: Command;
  /** The client's optimistic-concurrency expectation, when it gave one. */
  expectedVersion?: number;
}

/** How an aggregate's state is folded from its events (any decider is one). */
export interface Folder<State> {
  initialState(): State;
  evolve(state: State, event: DomainEvent): State;
}

/** Reads the current write-side state of another aggregate (for a command's context). */
export type StateReader = <State>(aggregate: { type: string; decider: Folder<State> }, id: string) => Promise<State>;

/** A value reserved per tenant with the command's events (e.g. an email); taken: CONFLICT on `field`, a field of the command. */
export interface UniqueField<Command> {
  scope: string;
  field: string;
  value(command: Command): string;
}

/** One command of an aggregate: its name, and what the handler needs besides the decider. */
export interface CommandDefinition<Command> {
  /** The mutation (served on `<ns>.command.<name>`) or the saga step; names idempotency records and metrics. */
  name: string;
  /** Checks a client's input, field by field, into the command; absent for saga steps, which clients cannot send. */
  parse?(input: Untrusted<Record<string, unknown>>, context: ParseContext): Parsed<Command>;
  uniqueKeys?: readonly UniqueField<Command>[];
}

/**
 * An aggregate of the write side: its stream type, its decider, and a definition for every
 * command type its decider takes. `context` loads what a decision reads from other aggregates.
 */
export interface AggregateDefinition<Command extends DomainCommand, State, Event extends DomainEvent, Context> {
  type: string;
  decider: Decider<Command, State, Event, Context>;
  /** The stream a command targets. */
  streamId(command: Command): string;
  /** The command field the mutations' inputs call `id` (e.g. productId), for the paths of errors. */
  inputId?: string;
  context?(command: Command, read: StateReader): Promise<Context>;
  commands: { readonly [Type in Command['type']]: CommandDefinition<Extract<Command, { type: Type }>> };
}

/** Any aggregate, as the handler and the registry see it. */
export type SomeAggregate = AggregateDefinition<DomainCommand, unknown, DomainEvent, unknown>;

/** A command's definition together with its aggregate. */
export interface CommandEntry {
  aggregate: SomeAggregate;
  definition: CommandDefinition<DomainCommand>;
}

/** Paths from the mutation's argument (`input.price`), with field names checked against the wire input type. */
export function pathsIn<Input>(): (field: keyof Input & string) => string {
  return (field) => `input.${field}`;
}
