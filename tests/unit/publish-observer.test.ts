import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import { observePublish } from '../../write-service/outbox/publish-observer.js';

const ack = (duplicate: boolean) => ({ stream: 's', seq: 1, duplicate }) as PubAck;

function observer() {
  const seen = { published: [] as number[], failed: 0 };
  return { seen, observer: { onPublished: (s: number) => seen.published.push(s), onPublishFailed: () => (seen.failed += 1) } };
}

describe('outbox relay - observePublish', () => {
  it('a stored event: the seconds from its commit to the acknowledgement', async () => {
    const { seen, observer: o } = observer();
    const committedAt = performance.now() - 1_500;
    await observePublish(Promise.resolve(ack(false)), committedAt, o);
    assert.equal(seen.published.length, 1);
    assert.ok(seen.published[0]! >= 1.5 && seen.published[0]! < 3, String(seen.published[0]));
  });

  it('a duplicate (stored before) is not a publish of its own', async () => {
    const { seen, observer: o } = observer();
    await observePublish(Promise.resolve(ack(true)), performance.now(), o);
    assert.deepEqual(seen, { published: [], failed: 0 });
  });

  it('a failed publish is counted and still fails; a refusal behind one that was not stored is not counted', async () => {
    const { seen, observer: o } = observer();
    await assert.rejects(observePublish(Promise.reject(new Error('TIMEOUT')), performance.now(), o), /TIMEOUT/);
    const chained = new JetStreamApiError({ code: 400, err_code: 10070, description: 'wrong last msg ID' });
    await assert.rejects(observePublish(Promise.reject(chained), performance.now(), o), /wrong last msg ID/);
    assert.deepEqual(seen, { published: [], failed: 1 });
  });
});
