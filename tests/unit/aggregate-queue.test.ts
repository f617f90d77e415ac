import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregateQueue } from '../../write-service/commands/aggregate-queue.js';

describe('aggregate queue', () => {
  it('queue - tasks of one key run one at a time in arrival order, also after one fails; other keys do not wait', async () => {
    const queue = new AggregateQueue();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = queue.run('a', async () => {
      log.push('a1 start');
      await new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = queue.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const other = queue.run('b', async () => {
      log.push('b1');
      return 'b';
    });
    assert.equal(await other, 'b');
    assert.deepEqual(log, ['a1 start', 'b1']);
    releaseFirst();
    await assert.rejects(first, /a1 failed/);
    assert.equal(await second, 2);
    assert.deepEqual(log, ['a1 start', 'b1', 'a1 end', 'a2']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(queue.size, 0, 'nothing kept for idle keys');
  });
});
