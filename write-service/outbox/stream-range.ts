import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Subjects } from '../../platform/index.js';

export interface StreamRangeOptions {
  /** Messages pulled at once (default 1000). */
  pull?: number;
  /** How long to wait for the next message before giving up (default 30 s). */
  stallMs?: number;
  /** Only the messages of this subject (default: every event subject). */
  subject?: string;
}

/**
 * The event stream's messages from `from` to `to` in order, through an ordered consumer (no
 * state on the server, batches of `pull`): never one request per message. Ends at `to`, or at a
 * message after which the stream held nothing more (the ones up to `to` may have been deleted).
 * The range must hold a message (with `subject`, one of that subject): else it waits `stallMs`.
 */
export async function* streamRange(
  js: JetStreamClient,
  subjects: Subjects,
  from: number,
  to: number,
  options: StreamRangeOptions = {},
): AsyncGenerator<JsMsg> {
  if (to < from) return;
  const consumer = await js.consumers.get(subjects.stream, {
    filter_subjects: options.subject ?? subjects.eventsWildcard,
    opt_start_seq: Math.max(1, from),
  });
  const messages = await consumer.consume({ max_messages: options.pull ?? 1000 });
  const iterator = messages[Symbol.asyncIterator]();
  const stallMs = options.stallMs ?? 30_000;
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<'stalled'>((resolve) => {
        timer = setTimeout(() => resolve('stalled'), stallMs);
      });
      const next = await Promise.race([iterator.next(), stalled]).finally(() => clearTimeout(timer));
      if (next === 'stalled') throw new Error(`no message of ${subjects.stream} arrived within ${stallMs} ms while reading up to ${to}`);
      if (next.done || next.value.seq > to) return;
      yield next.value;
      if (next.value.seq >= to || next.value.info.pending === 0) return;
    }
  } finally {
    messages.stop();
  }
}
