import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { Subjects } from '../../platform/index.js';
import type { SagaBacklog, StreamState } from './status-report.js';

/** The event stream's state: what it holds, its sequences, how many consumers read it. */
export async function readStream(jsm: JetStreamManager, subjects: Subjects): Promise<StreamState> {
  const { state } = await jsm.streams.info(subjects.stream);
  return {
    name: subjects.stream,
    messages: state.messages,
    bytes: state.bytes,
    firstSeq: state.first_seq,
    lastSeq: state.last_seq,
    lastAt: state.messages > 0 ? new Date(state.last_ts).toISOString() : null,
    consumers: state.consumer_count,
  };
}

/** When the message at `seq` was stored; null when the stream no longer holds it. */
export async function storedAt(jsm: JetStreamManager, subjects: Subjects, seq: number): Promise<string | null> {
  const msg = await jsm.streams.getMessage(subjects.stream, { seq });
  return msg ? msg.time.toISOString() : null;
}

/** The counts of a durable consumer; null when it does not exist. */
export async function readConsumer(jsm: JetStreamManager, subjects: Subjects, durable: string): Promise<SagaBacklog | null> {
  try {
    const info = await jsm.consumers.info(subjects.stream, durable);
    // The type says Nanos, but the server sends an ISO time, and nothing before the first delivery.
    const lastActive = (info.delivered as { last_active?: unknown }).last_active;
    return {
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      pullsWaiting: info.num_waiting,
      lastDeliveredAt: typeof lastActive === 'string' ? new Date(lastActive).toISOString() : null,
      createdAt: new Date(info.created).toISOString(),
    };
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return null;
    throw error;
  }
}
