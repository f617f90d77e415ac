import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit, GroupCommitFull } from '../../write-service/event-store/group-commit.js';

/** A runner whose batches finish only when the test releases them. */
function heldRunner() {
  const batches: { requests: number[]; release: (outcomes?: string[]) => void; fail: (error: Error) => void }[] = [];
  const run = (requests: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ requests, release: (outcomes) => resolve(outcomes ?? requests.map((r) => `done ${r}`)), fail: reject });
    });
  return { batches, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit - batching', () => {
  it('a request that finds a free slot leaves at once, alone', async () => {
    const { batches, run } = heldRunner();
    const group = new GroupCommit(run, { maxBatch: 4, maxInFlight: 2 });
    const first = group.submit(1);
    assert.deepEqual(
      batches.map((b) => b.requests),
      [[1]],
    );
    batches[0]!.release();
    assert.equal(await first, 'done 1');
  });

  it('requests arriving while every slot is busy leave together in the next batch, at most maxBatch each', async () => {
    const { batches, run } = heldRunner();
    const group = new GroupCommit(run, { maxBatch: 4, maxInFlight: 2 });
    const outcomes = Array.from({ length: 12 }, (_, i) => group.submit(i));
    assert.deepEqual(
      batches.map((b) => b.requests),
      [[0], [1]],
      'two in flight, the rest waits',
    );
    batches[0]!.release();
    await tick();
    assert.deepEqual(
      batches.map((b) => b.requests),
      [[0], [1], [2, 3, 4, 5]],
    );
    batches[1]!.release();
    await tick();
    assert.deepEqual(batches.at(-1)!.requests, [6, 7, 8, 9]);
    batches[2]!.release();
    await tick();
    assert.deepEqual(batches.at(-1)!.requests, [10, 11]);
    batches.slice(3).forEach((b) => b.release());
    assert.deepEqual(
      await Promise.all(outcomes),
      Array.from({ length: 12 }, (_, i) => `done ${i}`),
    );
  });

  it('each request gets its own outcome; a batch that fails as a whole rejects each of its requests and not the others', async () => {
    const { batches, run } = heldRunner();
    const group = new GroupCommit(run, { maxBatch: 8, maxInFlight: 1 });
    const lone = group.submit(0);
    const grouped = [1, 2, 3].map((n) => group.submit(n));
    batches[0]!.fail(new Error('connection lost'));
    await assert.rejects(lone, /connection lost/);
    await tick();
    batches[1]!.release(['a', '', 'c']);
    assert.deepEqual(await Promise.all(grouped), ['a', '', 'c']);
  });

  it('a runner returning the wrong number of outcomes rejects the batch instead of answering out of place', async () => {
    const group = new GroupCommit(async (requests: number[]) => requests.slice(1).map(String), { maxBatch: 8, maxInFlight: 1 });
    await assert.rejects(group.submit(1), /a batch of 1 returned 0 outcomes/);
  });

  it('past maxQueued waiting requests, one more is refused at once; once the queue drains it is taken again', async () => {
    const { batches, run } = heldRunner();
    const group = new GroupCommit(run, { maxBatch: 2, maxInFlight: 1, maxQueued: 3 });
    const inFlight = group.submit(0);
    const queued = [1, 2, 3].map((n) => group.submit(n));
    await assert.rejects(group.submit(4), (error: unknown) => error instanceof GroupCommitFull && error.queued === 3);
    batches[0]!.release();
    assert.equal(await inFlight, 'done 0');
    await tick();
    batches[1]!.release();
    await tick();
    const later = group.submit(5);
    batches[2]!.release();
    await tick();
    batches[3]?.release();
    assert.deepEqual(await Promise.all([...queued, later]), ['done 1', 'done 2', 'done 3', 'done 5']);
  });
});
