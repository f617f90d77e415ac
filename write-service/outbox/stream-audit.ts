import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Subjects } from '../../platform/index.js';
import type { EventEnvelope } from '../../schema/index.js';
import { streamRange } from './stream-range.js';

export const MissingReason = {
  /** No message at the sequence the outbox recorded. */
  Absent: 'absent',
  /** Another message (another Nats-Msg-Id or event id) is at that sequence. */
  Replaced: 'replaced',
  /** The sequence is past the stream's last one: the stream lost its tail, or was recreated. */
  BeyondEnd: 'beyond-end',
  /** The sequence is before the stream's first one: removed from its start. */
  BeforeStart: 'before-start',
} as const;
export type MissingReason = (typeof MissingReason)[keyof typeof MissingReason];

/** An event the outbox says is in the stream at `streamSeq`, which the stream does not hold there. */
export interface MissingPublication {
  globalPosition: number;
  eventId: string;
  streamSeq: number;
  reason: MissingReason;
  /** For `replaced`: the id of the message found at that sequence. */
  found?: string;
}

/** A message holding an aggregate's version after a later version of it, in stream order. */
export interface OutOfOrderPublication {
  aggregate: string;
  eventId: string;
  version: number;
  streamSeq: number;
  /** The later version the stream held before it. */
  afterVersion: number;
  afterSeq: number;
}

export interface StreamAudit {
  stream: string;
  firstSeq: number;
  lastSeq: number;
  messages: number;
  /** The highest stream sequence the outbox recorded. */
  highestMarked: number;
  /**
   * The stream's last sequence is below one it acknowledged before (`highestMarked`): it lost its
   * tail or was recreated, and will hand out again sequences that consumers (projections, the
   * saga) believe they have applied, so they skip what is published there.
   */
  behind: boolean;
  /** Outbox rows checked (every row marked with a stream sequence). */
  checked: number;
  missing: MissingPublication[];
  outOfOrder: OutOfOrderPublication[];
}

export interface StreamAuditOptions {
  /** A connection to the write database of its own (the audit runs a transaction on it). */
  client: pg.Client;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  /** Outbox rows and stream messages read per batch (default 1000). */
  batchSize?: number;
  stallMs?: number;
}

interface MarkedRow {
  seq: number;
  eventId: string;
  globalPosition: number;
}

/**
 * Checks the stream against the outbox: every event the relay marked with a stream sequence is
 * in the stream at that sequence, with that Nats-Msg-Id and event id; and each aggregate's
 * versions come in order (a message that is only a late duplicate of an event published
 * elsewhere is not held against it). The outbox is read in one snapshot taken before the stream's
 * state, so a mark above the stream's last sequence means the stream lost it. Both sides are read
 * in order, in batches (a cursor, an ordered consumer), and merged on the sequence.
 */
export async function auditStream(options: StreamAuditOptions): Promise<StreamAudit> {
  const { client, subjects } = options;
  const batchSize = options.batchSize ?? 1000;
  await client.query('begin isolation level repeatable read');
  try {
    const highestMarked = Number((await client.query<{ h: string }>('select coalesce(max(stream_seq), 0) as h from outbox')).rows[0]!.h);
    const state = await streamState(options.jsm, subjects.stream);
    const rows = new MarkedRows(client, batchSize);
    await rows.open();
    const missing: MissingPublication[] = [];
    const outOfOrder: OutOfOrderPublication[] = [];
    const latest = new Map<string, { version: number; seq: number }>();
    let checked = 0;
    const miss = (row: MarkedRow, reason: MissingReason, found?: string) => {
      checked += 1;
      missing.push({
        globalPosition: row.globalPosition,
        eventId: row.eventId,
        streamSeq: row.seq,
        reason,
        ...(found === undefined ? {} : { found }),
      });
    };

    let row = await rows.next();
    while (row && row.seq < state.firstSeq) {
      miss(row, MissingReason.BeforeStart);
      row = await rows.next();
    }
    if (state.messages > 0) {
      for await (const msg of streamRange(options.js, subjects, state.firstSeq, state.lastSeq, {
        pull: batchSize,
        ...(options.stallMs ? { stallMs: options.stallMs } : {}),
      })) {
        while (row && row.seq < msg.seq) {
          miss(row, MissingReason.Absent);
          row = await rows.next();
        }
        const event = decode(msg);
        const msgId = msg.headers?.get('Nats-Msg-Id') ?? '';
        let official: boolean | undefined;
        while (row && row.seq === msg.seq) {
          if (row.eventId === msgId && row.eventId === event?.eventId) {
            checked += 1;
            official = true;
          } else {
            miss(row, MissingReason.Replaced, msgId || event?.eventId || '');
          }
          row = await rows.next();
        }
        if (!event) continue;
        const key = `${event.tenant}/${event.aggregateType}/${event.aggregateId}`;
        const seen = latest.get(key);
        if (!seen || event.version > seen.version) {
          latest.set(key, { version: event.version, seq: msg.seq });
        } else if (event.version < seen.version && (official ?? (await publishedHere(client, event.eventId, msg.seq)))) {
          outOfOrder.push({
            aggregate: key,
            eventId: event.eventId,
            version: event.version,
            streamSeq: msg.seq,
            afterVersion: seen.version,
            afterSeq: seen.seq,
          });
        }
      }
    }
    while (row) {
      miss(row, row.seq > state.lastSeq ? MissingReason.BeyondEnd : MissingReason.Absent);
      row = await rows.next();
    }
    return { stream: subjects.stream, ...state, highestMarked, behind: state.lastSeq < highestMarked, checked, missing, outOfOrder };
  } finally {
    await client.query('rollback').catch(() => undefined);
  }
}

async function streamState(jsm: JetStreamManager, stream: string): Promise<{ firstSeq: number; lastSeq: number; messages: number }> {
  try {
    const { state } = await jsm.streams.info(stream);
    return { firstSeq: state.first_seq, lastSeq: state.last_seq, messages: state.messages };
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      return { firstSeq: 0, lastSeq: 0, messages: 0 };
    throw error;
  }
}

/**
 * Whether the stream's message at `seq` is where its event was published (its outbox row records
 * that sequence, or no sequence yet), rather than a late duplicate of an event published elsewhere.
 */
async function publishedHere(client: pg.Client, eventId: string, seq: number): Promise<boolean> {
  const result = await client.query<{ stream_seq: string | null }>('select stream_seq from outbox where event_id = $1', [eventId]);
  const recorded = result.rows[0]?.stream_seq;
  return recorded === undefined || recorded === null || Number(recorded) === seq;
}

/** The marked outbox rows in stream order, through a cursor in the audit's snapshot. */
class MarkedRows {
  private buffer: MarkedRow[] = [];
  private done = false;

  constructor(
    private readonly client: pg.Client,
    private readonly batchSize: number,
  ) {}

  async open(): Promise<void> {
    await this.client.query(
      `declare marked_rows no scroll cursor for
         select o.stream_seq, o.event_id, e.global_position from outbox o join events e on e.event_id = o.event_id
          where o.stream_seq is not null order by o.stream_seq, o.id`,
    );
  }

  async next(): Promise<MarkedRow | undefined> {
    if (this.buffer.length === 0 && !this.done) {
      const fetched = await this.client.query<{ stream_seq: string; event_id: string; global_position: string }>(
        `fetch ${this.batchSize} from marked_rows`,
      );
      this.buffer = fetched.rows
        .map((r) => ({ seq: Number(r.stream_seq), eventId: r.event_id, globalPosition: Number(r.global_position) }))
        .reverse();
      this.done = fetched.rows.length < this.batchSize;
    }
    return this.buffer.pop();
  }
}

function decode(msg: JsMsg): EventEnvelope | undefined {
  try {
    const value = msg.json<EventEnvelope>();
    return value && typeof value === 'object' && typeof value.eventId === 'string' && typeof value.version === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
