import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../platform/logger.js';
import { toErrorPayload } from '../../platform/messaging.js';
import { isDeterministic, isTransient } from '../../platform/transient-failure.js';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('transient failures: what passes and what the same request meets again', () => {
  it('failures - the connection, a rolled-back transaction, a shutdown, a busy lock pass', () => {
    for (const code of ['08006', '08003', '40001', '40P01', '57P01', '57P03', '53300', '55P03', '58030', 'ECONNRESET', 'ECONNREFUSED']) {
      assert.equal(isTransient(withCode(code)), true, code);
    }
    assert.equal(isTransient(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isTransient(new Error('Transaction query already complete, run with DEBUG=knex:tx for more info')), true);
    assert.equal(isTransient(new Error('Client has encountered a connection error and is not queryable')), true);
    assert.equal(
      isTransient(
        Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' }),
      ),
      true,
    );
  });

  it('failures - data out of range, a constraint, a bug in the projection are met again', () => {
    for (const code of ['22003', '22P02', '23505', '23502', '42703', '42P01']) assert.equal(isTransient(withCode(code)), false, code);
    assert.equal(isTransient(new Error('ReviewAdded 1: product 2 is not in product_view')), false);
    assert.equal(isTransient(new TypeError("Cannot read properties of undefined (reading 'price')")), false);
    assert.equal(isTransient(undefined), false);
  });

  it("failures - the database calls data, constraint and syntax errors the work's own; an error it did not raise it calls nothing", () => {
    for (const code of ['22003', '22P02', '23505', '42703']) assert.equal(isDeterministic(withCode(code)), true, code);
    for (const code of ['08006', '40001', '57P01']) assert.equal(isDeterministic(withCode(code)), false, code);
    assert.equal(
      isDeterministic(new Error('ReviewAdded 1: product 2 is not in product_view')),
      false,
      'unknown: tried once more before it is dead-lettered',
    );
  });

  it('a service answers a passing database failure SERVICE_UNAVAILABLE, anything else unknown INTERNAL_SERVER_ERROR, without internals', () => {
    const logger = createLogger('transient-test', 'silent');
    const passing = toErrorPayload(withCode('57P01', 'terminating connection due to administrator command'), logger, 'test');
    assert.equal(passing.code, 'SERVICE_UNAVAILABLE');
    assert.doesNotMatch(passing.message, /administrator/);
    assert.deepEqual(toErrorPayload(withCode('22003', 'numeric field overflow'), logger, 'test'), {
      code: 'INTERNAL_SERVER_ERROR',
      message: 'internal error',
    });
  });
});
