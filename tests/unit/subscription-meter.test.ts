import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { meteredSubscribe } from '../../gateway/subscriptions/subscription-meter.js';

function meter() {
  const counts = { opened: 0, closed: 0, pushed: 0 };
  return {
    counts,
    meter: { opened: () => (counts.opened += 1), closed: () => (counts.closed += 1), pushed: () => (counts.pushed += 1) },
  };
}

const args = {} as ExecutionArgs;

async function* values(count: number, fail?: Error): AsyncGenerator<ExecutionResult> {
  for (let i = 1; i <= count; i += 1) yield { data: { i } };
  if (fail) throw fail;
}

describe('subscriptions - meteredSubscribe', () => {
  it('a subscription is open from its start to its end, and each value yielded is a push', async () => {
    const { counts, meter: m } = meter();
    const stream = (await meteredSubscribe(async () => values(2), m)(args)) as AsyncIterable<ExecutionResult>;
    assert.deepEqual(counts, { opened: 1, closed: 0, pushed: 0 });
    const seen = [];
    for await (const value of stream) seen.push(value);
    assert.equal(seen.length, 2);
    assert.deepEqual(counts, { opened: 1, closed: 1, pushed: 2 });
  });

  it('completed by its client (return) or failed, it is closed once', async () => {
    const { counts, meter: m } = meter();
    const subscribe = meteredSubscribe(async () => values(5, new Error('gone')), m);
    const completed = (await subscribe(args)) as AsyncIterableIterator<ExecutionResult>;
    await completed.next();
    await completed.return!();
    await completed.return!();
    assert.deepEqual(counts, { opened: 1, closed: 1, pushed: 1 });

    const failed = (await subscribe(args)) as AsyncIterable<ExecutionResult>;
    await assert.rejects(async () => {
      for await (const value of failed) assert.ok(value);
    }, /gone/);
    assert.deepEqual(counts, { opened: 2, closed: 2, pushed: 6 });
  });

  it('a subscription refused before it starts (an error result) is never open', async () => {
    const { counts, meter: m } = meter();
    const result = await meteredSubscribe(async () => ({ errors: [] }), m)(args);
    assert.deepEqual(result, { errors: [] });
    assert.deepEqual(counts, { opened: 0, closed: 0, pushed: 0 });
  });
});
