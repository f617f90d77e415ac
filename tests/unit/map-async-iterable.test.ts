import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Repeater } from '@graphql-yoga/subscription';
import { mapAsyncIterable } from '../../gateway/subscriptions/index.js';

describe('mapAsyncIterable', () => {
  it('maps every value in order', async () => {
    const source = new Repeater<number>(async (push, stop) => {
      await push(1);
      await push(2);
      stop();
    });
    const seen: number[] = [];
    for await (const value of mapAsyncIterable(source, async (n) => n * 10)) seen.push(value);
    assert.deepEqual(seen, [10, 20]);
  });

  it('return() reaches the source at once, even while next() waits for a value', async () => {
    let stopped = false;
    const source = new Repeater<number>(async (_push, stop) => {
      await stop;
      stopped = true;
    });
    const mapped = mapAsyncIterable(source, (n) => n);
    const pending = mapped.next();
    await mapped.return();
    assert.equal(stopped, true);
    assert.deepEqual(await pending, { value: undefined, done: true });
  });

  it('a failing mapping closes the source and rejects', async () => {
    let stopped = false;
    const source = new Repeater<number>(async (push, stop) => {
      await push(1);
      await stop;
      stopped = true;
    });
    const mapped = mapAsyncIterable(source, () => {
      throw new Error('boom');
    });
    await assert.rejects(mapped.next(), /boom/);
    assert.equal(stopped, true);
  });
});
