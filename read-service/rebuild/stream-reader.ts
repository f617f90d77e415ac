import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { contiguousMessages, PULL_EXPIRES_MS, createLogger, type Logger, type Subjects } from '../../platform/index.js';
import type { EventEnvelope } from '../../schema/index.js';
import { decodeEvent } from '../projection-engine/decode-event.js';
import { RebuildError } from './rebuild-error.js';

/** One stream message, decoded once. */
export interface StreamMessage {
  seq: number;
  /** The upcast event; undefined when the message is not an event, or is an event of a type not `wanted`. */
  event: EventEnvelope | undefined;
  /** False when the message is not an event envelope at all. */
  isEvent: boolean;
}

export interface StreamReaderOptions {
  /** Event types to hand out decoded; the others only as their sequence (default: all). */
  wanted?: (type: string) => boolean;
  /** Messages pulled at once (default 5000). */
  pull?: number;
  /** How long to wait for the next message before giving up (default 30 s). */
  stallMs?: number;
  logger?: Logger;
}

/**
 * Reads the event stream in order through an ordered consumer (no acks, no durable state),
 * from any sequence, in batches that stop at a given sequence. A delivery lost in flight (a
 * NATS reconnect) makes it read again after the last message it handed out (contiguousMessages). It keeps no raw message (fewer
 * objects outlive a batch, less garbage collection): a failure's payload is fetched again by
 * sequence.
 */
export class StreamReader {
  /** Ends the current read. */
  private reading: AbortController | undefined;
  private iterator: AsyncIterator<JsMsg> | undefined;
  /** A message read past the last `until`, handed out by the next take. */
  private held: JsMsg | undefined;
  /** The sequence the next message will have at least. */
  private next = 1;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly subjects: Subjects,
    private readonly options: StreamReaderOptions = {},
  ) {}

  /** Positions the reader so that the next message it hands out is the first at or after `seq`. */
  async seek(seq: number): Promise<void> {
    if (this.iterator && seq === this.next) return;
    await this.close();
    const reading = new AbortController();
    this.reading = reading;
    this.iterator = contiguousMessages({
      nc: this.nc,
      after: seq - 1,
      signal: reading.signal,
      logger: this.options.logger ?? createLogger('stream-reader', 'warn'),
      open: async (from) =>
        (await this.js.consumers.get(this.subjects.stream, { filter_subjects: this.subjects.eventsWildcard, opt_start_seq: from })).consume(
          { max_messages: this.options.pull ?? 5000, expires: PULL_EXPIRES_MS },
        ),
    });
    this.next = seq;
  }

  /**
   * Up to `max` messages with sequences from the current one up to `until`, in order; empty once
   * `until` is passed. (Not `msg.info.pending === 0` as a shortcut: a message buffered before
   * `until` was read may say so while later ones exist.) Should the message at `until` have been
   * deleted from the end of the stream, it waits, then fails with STREAM_STALLED.
   */
  async take(max: number, until: number): Promise<StreamMessage[]> {
    const batch: StreamMessage[] = [];
    while (batch.length < max && this.next <= until) {
      const msg = this.held ?? (await this.read());
      this.held = undefined;
      if (msg.seq > until) {
        this.held = msg;
        this.next = until + 1;
        break;
      }
      batch.push(decode(msg, this.options.wanted));
      this.next = msg.seq + 1;
      // Buffered messages arrive as microtasks: let the database's replies in now and then, so
      // that writing the previous batch goes on while this one is decoded.
      if (batch.length % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return batch;
  }

  /** The raw payload of the message at `seq` (for the record of a failure). */
  async payload(seq: number): Promise<string> {
    const stored = await (await this.js.jetstreamManager()).streams.getMessage(this.subjects.stream, { seq }).catch(() => null);
    return stored?.string() ?? '';
  }

  async close(): Promise<void> {
    this.reading?.abort();
    await this.iterator?.return?.(undefined);
    this.reading = undefined;
    this.iterator = undefined;
    this.held = undefined;
  }

  private async read(): Promise<JsMsg> {
    if (!this.iterator) throw new Error('StreamReader.take before seek');
    const stallMs = this.options.stallMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), stallMs);
    });
    try {
      const result = await Promise.race([this.iterator.next(), stalled]);
      if (result === 'stalled' || result.done) throw RebuildError.streamStalled(this.subjects.stream, this.next, stallMs);
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

function decode(msg: JsMsg, wanted: ((type: string) => boolean) | undefined): StreamMessage {
  const event = decodeEvent(msg.data);
  if (!event) return { seq: msg.seq, event: undefined, isEvent: false };
  return { seq: msg.seq, event: !wanted || wanted(event.type) ? event : undefined, isEvent: true };
}
