import assert from 'node:assert/strict';
import type { DomainEvent } from '../../schema/events/envelope.js';
import { AppError, type ErrorCode } from '../../schema/errors.js';
import type { ParseContext } from '../../write-service/commands/command-definition.js';
import { fold, type Decider } from '../../write-service/domain/decider.js';

export interface Outcome<Event> {
  /** The command produced exactly these events. */
  then(expected: readonly Event[]): void;
  /** The command was refused with this code (and, when given, this field); never checks message text. */
  thenFails(code: ErrorCode, expected?: { field?: string; details?: Record<string, unknown> }): AppError;
}

/**
 * Given/when/then for a decider (after Emmett's DeciderSpecification): given the events
 * that already happened, when a command arrives, then these events, or this error code.
 */
export function deciderSpec<Command, State, Event extends DomainEvent>(decider: Decider<Command, State, Event>) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command): Outcome<Event> {
          const decide = () => decider.decide(command, fold(decider, events));
          return {
            then(expected) {
              assert.deepEqual(decide(), expected);
            },
            thenFails(code, expected = {}) {
              let produced: Event[];
              try {
                produced = decide();
              } catch (error) {
                assert.ok(error instanceof AppError, `expected an AppError ${code}, got ${String(error)}`);
                assert.equal(error.code, code);
                if ('field' in expected) assert.equal(error.field, expected.field);
                if (expected.details !== undefined) assert.deepEqual(error.details, expected.details);
                return error;
              }
              return assert.fail(`expected ${code}, but the command produced ${JSON.stringify(produced)}`);
            },
          };
        },
      };
    },
  };
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
