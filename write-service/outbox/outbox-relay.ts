import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import { encodeJson, type Logger, type Subjects } from '../../platform/index.js';
import { runAsLeader, sleep, type LeaderSession } from '../../platform/postgres/index.js';
import { contextFromTraceparent, injectTraceHeaders, inSpan, SpanKind, tracingEnabled } from '../../platform/telemetry/index.js';
import type { EventEnvelope } from '../../schema/index.js';
import { OUTBOX_CHANNEL } from '../event-store/event-store.js';
import { PublishedFloor, type ScanSnapshot } from './published-floor.js';
import { observePublish, type PublishObserver } from './publish-observer.js';

export interface OutboxRelayOptions extends PublishObserver {
  databaseUrl: string;
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  logger: Logger;
  batchSize?: number;
  publishTimeoutMs?: number;
  /** Safety poll when no NOTIFY arrives. */
  idleMs?: number;
  /** How often a sweep looks for unpublished rows below the floor (a safety net; see PublishedFloor). */
  sweepMs?: number;
}

/** The notice the relay sends on `subjects.published`: [eventId, streamSequence] pairs. */
export interface PublishedNotice {
  events: [string, number][];
}

interface OutboxRow {
  id: string;
  event_id: string;
  subject: string;
  payload: unknown;
  /** When its append committed (the row's created_at), on `performance.now()`'s clock. */
  committedAt: number;
}

/** The advisory lock (write database) held by the active relay; `npm run status` looks for it. */
export function outboxRelayLock(subjects: Subjects): string {
  return `${subjects.stream}.outbox-relay`;
}

/**
 * Publishes outbox rows to JetStream, one active relay per system (advisory lock).
 *
 * Reads "not yet published, in id order", never "id above the last published": ids become
 * visible out of commit order. The read starts above a floor that only moves once no row can
 * still appear below it (PublishedFloor), so that it skips the published rows' dead index
 * entries; every sweepMs a sweep looks below the floor. Publishes are pipelined (after the
 * first freshly stored row, see publishInOrder); each names its predecessor with
 * Nats-Expected-Last-Msg-Id so that, after a failed publish, no later one can overtake it. The acknowledged prefix is marked published with
 * its stream sequence; the rest is retried.
 */
export function startOutboxRelay(options: OutboxRelayOptions): { stop(): Promise<void> } {
  const lockName = outboxRelayLock(options.subjects);
  return runAsLeader({
    databaseUrl: options.databaseUrl,
    lockName,
    logger: options.logger,
    lead: (session, signal) => relay(session, signal, options),
  });
}

async function relay(session: LeaderSession, signal: AbortSignal, options: OutboxRelayOptions): Promise<void> {
  const { client, lost } = session;
  const batchSize = options.batchSize ?? 500;
  const idleMs = options.idleMs ?? 1000;
  let wake: (() => void) | undefined;
  client.on('notification', () => wake?.());
  await client.query(`listen ${OUTBOX_CHANNEL}`);
  // The marks need not wait for the WAL flush: a mark lost in a server crash only makes the rows
  // publish again, which is the crash-before-marking case that JetStream's dedupe and the
  // projections' checks already cover (G1, G3). The next scan then starts sooner.
  await client.query('set synchronous_commit = off');
  let connectionLost = false;
  void lost.then(() => {
    connectionLost = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  let failures = 0;
  // Whether every row read next is surely not in the stream yet: false on taking the lead (a
  // previous leader may have published rows it did not mark) and after any failed publish.
  let certain = false;
  // Unpublished rows are read from above the floor; a sweep looks below it now and then.
  const floor = new PublishedFloor();
  const sweeper = startSweeper(floor, options, () => wake?.());
  try {
    while (!signal.aborted && !connectionLost) {
      // Armed before reading, so that a NOTIFY arriving during the read is not missed.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, idleMs);
      });
      const floorBefore = floor.value;
      const { rows, snapshot } = await readUnpublished(client, floorBefore, batchSize);
      const settled = floor.observe(snapshot);
      const moveFloor = (published: number) => {
        floor.advance(
          floorBefore,
          settled,
          rows.map((row) => Number(row.id)),
          published,
          batchSize,
        );
        if (floor.value !== floorBefore) options.logger.debug({ floor: floor.value }, 'relay floor moved');
      };
      if (rows.length === 0) {
        moveFloor(0);
        await woken;
        clearTimeout(timer);
        continue;
      }
      clearTimeout(timer);
      const { acked, behindDuplicate } = await publishInOrder(rows, options, certain, failures > 0);
      certain = acked.length === rows.length && acked.every(([, ack]) => !ack.duplicate);
      if (acked.length > 0) {
        // Tell the waiting handlers first: the sequences are final once JetStream acknowledged
        // them (a republish after a crash is answered with the same sequence), so the handlers
        // need not wait for the marking round trip.
        options.nc.publish(
          options.subjects.published,
          encodeJson({ events: acked.map(([row, ack]) => [row.event_id, ack.seq]) } satisfies PublishedNotice),
        );
        await markPublished(client, acked);
        moveFloor(acked.length);
      }
      if (behindDuplicate) {
        // Not a broker failure: resume at once from the refused row (at least one row moved).
        continue;
      }
      if (acked.length < rows.length) {
        failures += 1;
        // Short: a stream without a leader (a cluster node died) answers nothing until a new one
        // is elected, 4-9 s later, and the first publish after that should not wait long.
        await sleep(Math.min(50 * 2 ** failures, 250), signal);
      } else {
        failures = 0;
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await sweeper.stop();
  }
}

/**
 * Every sweepMs, looks for an unpublished row at or below the floor (none should be there: a
 * warning if one is) and lowers the floor to it. On a connection of its own, so that its trip
 * through the published rows' index entries never holds up the relay.
 */
function startSweeper(floor: PublishedFloor, options: OutboxRelayOptions, wake: () => void): { stop(): Promise<void> } {
  let client: pg.Client | undefined;
  let running: Promise<void> | undefined;
  const sweep = async () => {
    if (!client) {
      client = new pg.Client({ connectionString: options.databaseUrl });
      client.on('error', () => undefined); // a broken connection fails the next query, which is logged
      await client.connect();
    }
    const below = floor.value;
    const result = await client.query<{ id: string | null }>(
      'select min(id)::text as id from outbox where published_at is null and id <= $1',
      [below],
    );
    const id = result.rows[0]?.id;
    if (id === null || id === undefined) return;
    options.logger.warn({ id, floor: below }, 'unpublished outbox row below the relay floor');
    floor.lower(Number(id) - 1);
    wake();
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch(async (error: unknown) => {
        options.logger.warn({ err: error }, 'outbox sweep failed');
        await client?.end().catch(() => undefined);
        client = undefined;
      })
      .finally(() => {
        running = undefined;
      });
  }, options.sweepMs ?? 10_000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await client?.end().catch(() => undefined);
    },
  };
}

/** Unpublished rows above `after`, in id order, with what the statement's snapshot saw (for the floor). */
async function readUnpublished(client: pg.Client, after: number, limit: number): Promise<{ rows: OutboxRow[]; snapshot: ScanSnapshot }> {
  // pg_current_xact_id() gives the scan a transaction id of its own, above every id handed out
  // before its snapshot (see ScanSnapshot.ceiling); the statement commits at once.
  // age: seconds since each row's created_at on the database's clock, so that the relay's clock
  // need not agree with it (committedAt).
  const result = await client.query<Partial<Omit<OutboxRow, 'committedAt'>> & { top: string; xmin: string; ceiling: string; age: number }>(
    `with snap as (select pg_current_snapshot() as s, (select coalesce(max(id), 0) from outbox) as top)
     select snap.top::text as top, pg_snapshot_xmin(snap.s)::text as xmin, pg_current_xact_id()::text as ceiling,
            o.id, o.event_id, o.subject, o.payload, extract(epoch from clock_timestamp() - o.created_at)::float8 as age
       from snap left join lateral (
         select id, event_id, subject, payload, created_at from outbox where published_at is null and id > $1 order by id limit $2
       ) o on true
      order by o.id`,
    [after, limit],
  );
  const readAt = performance.now();
  const first = result.rows[0]!;
  return {
    rows: result.rows
      .filter((row): row is Omit<OutboxRow, 'committedAt'> & typeof first => row.id !== null && row.id !== undefined)
      .map((row) => ({ ...row, committedAt: readAt - row.age * 1000 })),
    snapshot: { top: Number(first.top), xmin: BigInt(first.xmin), ceiling: BigInt(first.ceiling) },
  };
}

/** How long a lone publish after a failure waits for its acknowledgement. */
const PROBE_TIMEOUT_MS = 500;

/** JetStream's "wrong last msg ID" refusal of a Nats-Expected-Last-Msg-Id publish. */
const WRONG_LAST_MSG_ID = 10070;

interface Published {
  /** The acknowledged prefix of the rows. */
  acked: [OutboxRow, PubAck][];
  /** The first refusal only broke the chain behind a duplicate: retry at once, no back-off. */
  behindDuplicate: boolean;
}

/**
 * Publishes rows in order and returns the acknowledged prefix.
 *
 * A duplicate (a row already in the stream, e.g. published by a relay that crashed before
 * marking it) is answered by the server before it checks Nats-Expected-Last-Msg-Id, and does not
 * move the stream's last msg id. So a chain that runs through a duplicate is wrong both ways: the
 * next row is refused when the duplicate is not the stream's last message, and accepted when it
 * is, even though an earlier row of the same pipeline was refused (a later version overtaking an
 * earlier one, G2). Hence rows go one at a time, each awaited, until one is freshly stored; from
 * then on the stream's last message is the predecessor each publish names, and the rest is
 * pipelined, chained to it, where a duplicate can only cause a refusal, never an overtaking.
 * When the previous batch was published whole and fresh, under the same leadership, no row
 * read now can be in the stream, and the whole batch is pipelined at once.
 */
async function publishInOrder(rows: OutboxRow[], options: OutboxRelayOptions, certain: boolean, probing: boolean): Promise<Published> {
  const timeout = options.publishTimeoutMs ?? 2000;
  const publish = (row: OutboxRow, previous: string | undefined, wait = timeout) => {
    const send = (headers?: MsgHdrs) =>
      observePublish(
        options.js.publish(row.subject, encodeJson(row.payload), {
          msgID: row.event_id,
          timeout: wait,
          ...(previous === undefined ? {} : { expect: { lastMsgID: previous } }),
          ...(headers ? { headers } : {}),
        }),
        row.committedAt,
        options,
      );
    if (!tracingEnabled()) return send();
    // Traced: a span from publish to ack in the event's trace (its metadata's), named in the message's headers for the consumers.
    const traceparent = (row.payload as Partial<EventEnvelope>).metadata?.traceparent;
    const attributes = { 'messaging.destination.name': row.subject, 'messaging.message.id': row.event_id };
    return inSpan('publish event', { kind: SpanKind.PRODUCER, parent: contextFromTraceparent(traceparent), attributes }, () => {
      const headers = natsHeaders();
      injectTraceHeaders(headers);
      return send(headers);
    });
  };
  const acked: [OutboxRow, PubAck][] = [];
  let next = 0;
  // When no row can be a duplicate, the first needs no round trip of its own.
  while (!certain && next < rows.length) {
    const row = rows[next]!;
    next += 1;
    try {
      // After a failure the first row probes alone, briefly: the broker answers in milliseconds
      // once it can, and a probe that times out too early is only published again (dedupe).
      const ack = await publish(row, undefined, probing ? Math.min(timeout, PROBE_TIMEOUT_MS) : timeout);
      acked.push([row, ack]);
      if (!ack.duplicate) break;
    } catch (error) {
      options.logger.warn({ err: error, eventId: row.event_id }, 'publish failed; resuming from this row');
      return { acked, behindDuplicate: false };
    }
  }
  let previous = acked.at(-1)?.[0].event_id;
  const pending = rows.slice(next).map((row) => {
    const published = publish(row, previous);
    previous = row.event_id;
    return published;
  });
  const settled = await Promise.allSettled(pending);
  for (const [index, outcome] of settled.entries()) {
    const row = rows[next + index]!;
    if (outcome.status === 'rejected') {
      const behindDuplicate =
        acked.at(-1)?.[1].duplicate === true && outcome.reason instanceof JetStreamApiError && outcome.reason.code === WRONG_LAST_MSG_ID;
      if (behindDuplicate) options.logger.debug({ eventId: row.event_id }, 'publish refused behind a duplicate; resuming from this row');
      else options.logger.warn({ err: outcome.reason, eventId: row.event_id }, 'publish failed; resuming from this row');
      return { acked, behindDuplicate };
    }
    acked.push([row, outcome.value]);
  }
  return { acked, behindDuplicate: false };
}

async function markPublished(client: pg.Client, acked: [OutboxRow, PubAck][]): Promise<void> {
  await client.query(
    `update outbox set published_at = now(), stream_seq = v.seq
       from unnest($1::bigint[], $2::bigint[]) as v(id, seq) where outbox.id = v.id`,
    [acked.map(([row]) => row.id), acked.map(([, ack]) => ack.seq)],
  );
}
