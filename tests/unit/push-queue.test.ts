import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PushQueue } from '../../gateway/subscriptions/index.js';

describe('push queue of one subscriber', () => {
  it('hands out pushed values in order, to a waiting consumer at once', async () => {
    const queue = new PushQueue<number>(
      () => undefined,
      () => new Error('overflow'),
    );
    queue.push(1);
    queue.push(2);
    assert.deepEqual(await queue.next(), { value: 1, done: false });
    assert.deepEqual(await queue.next(), { value: 2, done: false });
    const waiting = queue.next();
    queue.push(3);
    assert.deepEqual(await waiting, { value: 3, done: false });
  });

  it('return() ends a waiting next, runs onReturn once, and later pushes are dropped', async () => {
    let returned = 0;
    const queue = new PushQueue<number>(
      () => {
        returned += 1;
      },
      () => new Error('overflow'),
    );
    const waiting = queue.next();
    await queue.return();
    await queue.return();
    assert.deepEqual(await waiting, { value: undefined, done: true });
    queue.push(4);
    assert.deepEqual(await queue.next(), { value: undefined, done: true });
    assert.equal(returned, 1);
  });

  it('a consumer more than `limit` values behind fails with the overflow error and is ended', async () => {
    let returned = 0;
    const queue = new PushQueue<number>(
      () => {
        returned += 1;
      },
      () => new Error('too slow'),
      3,
    );
    for (let i = 0; i < 4; i += 1) queue.push(i);
    await assert.rejects(queue.next(), /too slow/);
    assert.equal(returned, 1, 'its listener is removed');
    assert.deepEqual(await queue.next(), { value: undefined, done: true });
  });
});
