import type { DomainEvent } from '../../schema/index.js';

/** What every domain command carries: its type, and the moment it was received (the domain reads no clock). */
export interface DomainCommand {
  type: string;
  now: string;
}

/**
 * An aggregate as three pure functions (after Emmett): decide what happens, evolve the state
 * with what happened, and the state before anything happened. `Context` is what a decision
 * reads from other aggregates, loaded by the command's handler (`void` when it reads nothing).
 * Refusals are thrown as DomainError.
 */
export interface Decider<Command extends DomainCommand, State, Event extends DomainEvent, Context = void> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function fold<State, Event extends DomainEvent>(
  decider: { evolve(state: State, event: Event): State; initialState(): State },
  events: readonly Event[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
