import assert from 'node:assert/strict';
import { AppError, ErrorCode } from '../../schema/errors.js';

/**
 * A validator for `assert.throws` / `assert.rejects`: the error is an AppError with code
 * BAD_USER_INPUT that names `field` (as given, e.g. 'lines[1].quantity'). It never looks at
 * the message text, which is free to change.
 */
export function badInput(field: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.BAD_USER_INPUT);
    assert.equal(error.field, field);
    return true;
  };
}

/** Asserts that `run` throws (synchronously) BAD_USER_INPUT naming `field`; see {@link badInput}. */
export function assertBadInput(run: () => unknown, field: string): void {
  assert.throws(run, badInput(field));
}
