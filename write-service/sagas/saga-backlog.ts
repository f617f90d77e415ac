import type { JetStreamManager } from '@nats-io/jetstream';
import type { Subjects } from '../../platform/index.js';
import { ORDER_SAGA } from './order-saga.js';

/**
 * Order events the order saga has not handled yet: its consumer's messages not yet delivered
 * and those delivered but not yet acknowledged (it acknowledges what it handled every 100 ms).
 * Asked of NATS, so every replica tells the same, whichever runs the saga.
 */
export function sagaBacklog(jsm: JetStreamManager, subjects: Subjects): () => Promise<number> {
  const durable = subjects.consumer(ORDER_SAGA);
  return async () => {
    const info = await jsm.consumers.info(subjects.stream, durable);
    return info.num_pending + info.num_ack_pending;
  };
}
