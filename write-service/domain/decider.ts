import type { DomainEvent } from '../../schema/events/envelope.js';

/**
 * An aggregate as three pure functions (after Emmett): decide what happens, evolve the state
 * with what happened, and the state before anything happened.
 */
export interface Decider<Command, State, Event extends DomainEvent> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<never, State, Event>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
