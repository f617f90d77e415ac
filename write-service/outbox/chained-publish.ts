import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';

/** One message to publish: its Nats-Msg-Id (the event id), subject and body. */
export interface ChainItem {
  msgId: string;
  subject: string;
  data: Uint8Array;
}

export interface ChainResult {
  /** Acknowledgements of the items' prefix that JetStream stored or deduplicated, in order. */
  acked: PubAck[];
  /** The first item that failed (not stored, or unknown): nothing after it was stored. */
  failure?: { index: number; error: unknown };
}

/** JetStream's refusal of a publish whose Nats-Expected-Last-Msg-Id is not the stream's last message. */
const WRONG_LAST_MSG_ID = 10070;

/**
 * Publishes items in order so that a failure stops the chain: no item is stored after one that
 * failed, so each aggregate's versions stay in order (G2). As the outbox relay does: items go one
 * at a time, each awaited, until one is freshly stored (a duplicate does not move the stream's
 * last message, so it cannot anchor a chain); then the rest are pipelined, each naming its
 * predecessor with Nats-Expected-Last-Msg-Id. A refusal of that expectation (behind a duplicate,
 * or another publisher's message in between) is no failure: the chain resumes from the refused
 * item, one at a time. Any other error ends it.
 */
export async function publishChained(js: JetStreamClient, items: readonly ChainItem[], timeoutMs: number): Promise<ChainResult> {
  const publish = (item: ChainItem, previous: string | undefined) =>
    js.publish(item.subject, item.data, {
      msgID: item.msgId,
      timeout: timeoutMs,
      ...(previous === undefined ? {} : { expect: { lastMsgID: previous } }),
    });
  const acked: PubAck[] = [];
  let next = 0;
  resume: while (next < items.length) {
    for (let fresh = false; !fresh && next < items.length; next += 1) {
      try {
        const ack = await publish(items[next]!, undefined);
        acked.push(ack);
        fresh = !ack.duplicate;
      } catch (error) {
        return { acked, failure: { index: next, error } };
      }
    }
    const start = next;
    let previous = items[start - 1]?.msgId;
    const settled = await Promise.allSettled(
      items.slice(start).map((item) => {
        const published = publish(item, previous);
        previous = item.msgId;
        return published;
      }),
    );
    for (const [offset, outcome] of settled.entries()) {
      if (outcome.status === 'rejected') {
        if (outcome.reason instanceof JetStreamApiError && outcome.reason.code === WRONG_LAST_MSG_ID) {
          next = start + offset;
          continue resume;
        }
        return { acked, failure: { index: start + offset, error: outcome.reason } };
      }
      acked.push(outcome.value);
      next = start + offset + 1;
    }
  }
  return { acked };
}
