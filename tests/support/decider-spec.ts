import assert from 'node:assert/strict';
import type { DomainEvent } from '../../schema/events/envelope.js';
import type { ParseContext } from '../../write-service/commands/command-definition.js';
import { fold, type Decider, type DomainCommand } from '../../write-service/domain/decider.js';
import { DomainError, type Refusal } from '../../write-service/domain/domain-error.js';

/** A refusal's reason with some of its facts: the ones given must match, the others are not checked. */
export type ExpectedRefusal = {
  [Reason in Refusal['reason']]: Partial<Extract<Refusal, { reason: Reason }>> & { reason: Reason };
}[Refusal['reason']];

export interface Outcome<Event> {
  /** The command produced exactly these events. */
  then(expected: readonly Event[]): void;
  /** The command was refused for this reason, with these facts; never checks message text. */
  thenFails(expected: ExpectedRefusal): DomainError;
}

/**
 * Given/when/then for a decider (after Emmett's DeciderSpecification): given the events that
 * already happened, when a command arrives with what its handler read from other aggregates
 * (its context), then these events, or this refusal.
 */
export function deciderSpec<Command extends DomainCommand, State, Event extends DomainEvent, Context = void>(
  decider: Decider<Command, State, Event, Context>,
) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command, context: Context): Outcome<Event> {
          const decide = () => decider.decide(command, fold(decider, events), context);
          return {
            then(expected) {
              assert.deepEqual(decide(), expected);
            },
            thenFails(expected) {
              let produced: Event[];
              try {
                produced = decide();
              } catch (error) {
                assert.ok(error instanceof DomainError, `expected a DomainError ${expected.reason}, got ${String(error)}`);
                assert.deepEqual(pick(error.refusal, Object.keys(expected)), expected);
                return error;
              }
              return assert.fail(`expected ${expected.reason}, but the command produced ${JSON.stringify(produced)}`);
            },
          };
        },
      };
    },
  };
}

function pick(refusal: Refusal, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(refusal).filter(([key]) => keys.includes(key)));
}

/**
 * The context a command definition's `parse` gets, fixed for a test: the clock reads `now`
 * and every generated id is `newId`, so a parsed command can be compared whole.
 */
export function parseContext(now: string, newId: string): ParseContext {
  return { now, newId: () => newId };
}

/**
 * The parse context for a command that must not generate an id (its id comes from the input):
 * asking for one fails the test with "<command> takes no generated id".
 */
export function parseContextWithoutIds(now: string, command: string): ParseContext {
  return { now, newId: () => assert.fail(`${command} takes no generated id`) };
}
