import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from './logger.js';

/** Why a contiguous read started over from its last message. */
export type Interruption = 'gap' | 'reconnect' | 'stalled';

/**
 * How long a pull waits on the server before it is renewed (the client's default is 30 s). The
 * server's heartbeats come every half of it; two missed mean the pull is gone (its consumer's
 * leader died with a cluster node, or the consumer itself): the read starts over.
 */
export const PULL_EXPIRES_MS = 5_000;

export interface ContiguousOptions {
  nc: NatsConnection;
  /**
   * Opens a consumer that is new (its first delivery is number 1) and delivers the stream from
   * sequence `from` on: the caller deletes and adds its durable, or asks for an ordered one.
   */
  open(from: number): Promise<ConsumerMessages>;
  /** The last stream sequence already handled: reading starts after it. */
  after: number;
  /** Ends the read (the iteration returns). */
  signal: AbortSignal;
  logger: Logger;
}

/**
 * The messages of a pull consumer with none missing, or none at all: what a projection or a
 * saga may apply and then acknowledge with `AckPolicy.All`.
 *
 * A pull consumer's messages in flight when the NATS connection drops count as delivered: after
 * the reconnect later ones arrive, and an acknowledgement of those acknowledges the lost ones
 * too. So every delivery's consumer sequence must follow the previous one; on a jump (messages
 * delivered and never received), and on every reconnect (the lost ones may have been the last),
 * the read stops before anything beyond the last message it handed out and starts over just
 * after that message, on a consumer opened anew; likewise when the consumer stops answering its
 * pulls (missed heartbeats: its leader died with a cluster node) or vanishes. Redeliveries of
 * messages already handed out (an acknowledgement that expired, or was lost) are dropped.
 */
export async function* contiguousMessages(options: ContiguousOptions): AsyncGenerator<JsMsg> {
  let last = options.after;
  while (!options.signal.aborted) {
    const messages = await options.open(last + 1);
    let interruption: Interruption | undefined;
    const stop = () => messages.stop();
    options.signal.addEventListener('abort', stop);
    if (options.signal.aborted) stop(); // aborted while the consumer was being opened
    const statuses = options.nc.status();
    void (async () => {
      for await (const status of statuses) {
        if (status.type === 'reconnect') {
          interruption ??= 'reconnect';
          messages.stop();
        }
      }
    })();
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'heartbeats_missed' || status.type === 'consumer_deleted' || status.type === 'consumer_not_found') {
          options.logger.warn({ status: status.type, after: last }, 'consumer stalled; reading again after the last message handled');
          interruption ??= 'stalled';
          messages.stop();
        }
      }
    })();
    try {
      let expected = 1;
      for await (const msg of messages) {
        if (interruption) break;
        if (msg.info.deliverySequence !== expected) {
          interruption = 'gap';
          options.logger.warn(
            { expected, delivered: msg.info.deliverySequence, after: last },
            'consumer deliveries went missing; reading again after the last message handled',
          );
          break;
        }
        expected += 1;
        if (msg.seq <= last) continue; // a redelivery of a message handed out already
        last = msg.seq;
        yield msg;
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      (statuses as { stop?(): void }).stop?.();
      messages.stop();
    }
    if (!interruption || options.signal.aborted) return;
    if (interruption === 'reconnect')
      options.logger.warn({ after: last }, 'NATS reconnected; reading again after the last message handled');
  }
}
