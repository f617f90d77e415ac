import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type pg from 'pg';
import { encodeJson } from '../../platform/messaging.js';
import { runAsLeader, sleep, type LeaderSession } from '../../platform/leader-lock.js';
import type { Logger } from '../../platform/logger.js';
import type { Subjects } from '../../platform/subjects.js';
import { OUTBOX_CHANNEL } from '../event-store/event-store.js';

export interface OutboxRelayOptions {
  databaseUrl: string;
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  logger: Logger;
  batchSize?: number;
  publishTimeoutMs?: number;
  /** Safety poll when no NOTIFY arrives. */
  idleMs?: number;
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
}

/**
 * Publishes outbox rows to JetStream, one active relay per system (advisory lock).
 *
 * Reads "not yet published, in id order", never "id above the last published": ids become
 * visible out of commit order. Publishes are pipelined; each names its predecessor with
 * Nats-Expected-Last-Msg-Id so that, after a failed publish, no later one can overtake it. The
 * acknowledged prefix is marked published with its stream sequence; the rest is retried.
 */
export function startOutboxRelay(options: OutboxRelayOptions): { stop(): Promise<void> } {
  const lockName = `${options.subjects.stream}.outbox-relay`;
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
  let connectionLost = false;
  void lost.then(() => { connectionLost = true; wake?.(); });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  let failures = 0;
  try {
    while (!signal.aborted && !connectionLost) {
      const woken = new Promise<void>((resolve) => { wake = resolve; });
      const rows = await readUnpublished(client, batchSize);
      if (rows.length === 0) {
        await Promise.race([woken, sleep(idleMs, signal)]);
        continue;
      }
      const acked = await publishInOrder(rows, options);
      if (acked.length > 0) {
        await markPublished(client, acked);
        options.nc.publish(options.subjects.published, encodeJson({ events: acked.map(([row, ack]) => [row.event_id, ack.seq]) } satisfies PublishedNotice));
      }
      if (acked.length < rows.length) {
        failures += 1;
        await sleep(Math.min(50 * 2 ** failures, 2000), signal);
      } else {
        failures = 0;
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

async function readUnpublished(client: pg.Client, limit: number): Promise<OutboxRow[]> {
  const result = await client.query<OutboxRow>(
    'select id, event_id, subject, payload from outbox where published_at is null order by id limit $1',
    [limit],
  );
  return result.rows;
}

/** Publishes rows pipelined and returns the acknowledged prefix. */
async function publishInOrder(rows: OutboxRow[], options: OutboxRelayOptions): Promise<[OutboxRow, PubAck][]> {
  const timeout = options.publishTimeoutMs ?? 5000;
  let previous: string | undefined;
  const pending = rows.map((row) => {
    const expect = previous === undefined ? {} : { expect: { lastMsgID: previous } };
    previous = row.event_id;
    return options.js.publish(row.subject, encodeJson(row.payload), { msgID: row.event_id, timeout, ...expect });
  });
  const settled = await Promise.allSettled(pending);
  const acked: [OutboxRow, PubAck][] = [];
  for (const [index, outcome] of settled.entries()) {
    if (outcome.status === 'rejected') {
      options.logger.warn({ err: outcome.reason, eventId: rows[index]?.event_id }, 'publish failed; resuming from this row');
      break;
    }
    acked.push([rows[index]!, outcome.value]);
  }
  return acked;
}

async function markPublished(client: pg.Client, acked: [OutboxRow, PubAck][]): Promise<void> {
  await client.query(
    `update outbox set published_at = now(), stream_seq = v.seq
       from unnest($1::bigint[], $2::bigint[]) as v(id, seq) where outbox.id = v.id`,
    [acked.map(([row]) => row.id), acked.map(([, ack]) => ack.seq)],
  );
}
