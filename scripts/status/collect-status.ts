import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { type Config, subjectsFor, type Subjects } from '../../platform/index.js';
import { ORDER_SAGA } from '../../write-service/index.js';
import { readProjections, readWriteSide, type StoredProjection, type StoredSaga } from './database-state.js';
import { readConsumer, readStream, storedAt } from './jetstream-state.js';
import { pingReplicas } from './ping-replicas.js';
import {
  isUnavailable,
  type ProjectionState,
  type SagaBacklog,
  type SagaState,
  type StatusReport,
  type StreamState,
  type Unavailable,
} from './status-report.js';

export interface CollectOptions {
  /** The projections to report (schema's PROJECTIONS). */
  projections: readonly string[];
  /** How long to gather the replicas' answers to the ping. */
  waitMs: number;
}

export type StatusSources = Pick<Config, 'namespace' | 'natsUrl' | 'readDatabaseUrl' | 'writeDatabaseUrl'>;

/** How long a connection or a statement may take: the view is for a system in trouble too. */
const TIMEOUT_MS = 3000;

/**
 * Takes one snapshot of the system from the outside, reading only: the replicas that answer the
 * status ping, the event stream, each projection's checkpoint and dead letters (read database),
 * the outbox and the saga (write database and its JetStream consumer). What cannot be reached is
 * reported unavailable, with why, and the rest is still read.
 */
export async function collectStatus(sources: StatusSources, options: CollectOptions): Promise<StatusReport> {
  const subjects = subjectsFor(sources.namespace);
  const takenAt = new Date().toISOString();
  const [nats, read, write] = await Promise.all([
    attempt('NATS', () => openNats(sources)),
    attempt('read database', () => openDatabase(sources.readDatabaseUrl)),
    attempt('write database', () => openDatabase(sources.writeDatabaseUrl)),
  ]);
  try {
    const pinging = ifAvailable(nats, 'status ping', ({ nc }) => pingReplicas(nc, subjects, options.waitMs));
    const [stored, writeSide, sagaBacklog] = await Promise.all([
      ifAvailable(read, 'read database', (client) => readProjections(client, subjects, options.projections)),
      ifAvailable(write, 'write database', (client) => readWriteSide(client, subjects)),
      ifAvailable(nats, 'saga consumer', ({ jsm }) => readConsumer(jsm, subjects, subjects.consumer(ORDER_SAGA))),
    ]);
    // The stream after the checkpoints: a checkpoint is then past the stream's end only when the stream lost messages.
    const stream = await ifAvailable(nats, 'stream', ({ jsm }) => readStream(jsm, subjects));
    const services = await pinging;
    return {
      namespace: sources.namespace,
      takenAt,
      services,
      stream,
      projections: isUnavailable(stored) ? stored : await withLag(stored, stream, nats, subjects),
      outbox: isUnavailable(writeSide) ? writeSide : writeSide.outbox,
      saga: sagaState(isUnavailable(writeSide) ? writeSide : writeSide.saga, sagaBacklog, subjects),
    };
  } finally {
    if (!isUnavailable(nats)) await nats.nc.close().catch(() => undefined);
    if (!isUnavailable(read)) await read.end().catch(() => undefined);
    if (!isUnavailable(write)) await write.end().catch(() => undefined);
  }
}

/** Each projection's lag behind the stream, and when the first event it has not applied was stored. */
async function withLag(
  stored: StoredProjection[],
  stream: StreamState | Unavailable,
  nats: Nats | Unavailable,
  subjects: Subjects,
): Promise<ProjectionState[]> {
  const state = ({ name, position, ...rest }: StoredProjection, lag: number | null, waitingSince: string | null): ProjectionState => ({
    name,
    position,
    lag,
    waitingSince,
    ...rest,
  });
  if (isUnavailable(stream) || isUnavailable(nats)) return stored.map((p) => state(p, null, null));
  return Promise.all(
    stored.map(async (p) => {
      const lag = Math.max(0, stream.lastSeq - p.position);
      const waitingSince = lag > 0 ? await storedAt(nats.jsm, subjects, Math.max(p.position + 1, stream.firstSeq)).catch(() => null) : null;
      return state(p, lag, waitingSince);
    }),
  );
}

function sagaState(
  stored: StoredSaga | Unavailable,
  backlog: SagaBacklog | null | Unavailable,
  subjects: Subjects,
): SagaState | Unavailable {
  if (isUnavailable(stored)) return stored;
  if (isUnavailable(backlog)) return backlog;
  return { name: ORDER_SAGA, consumer: subjects.consumer(ORDER_SAGA), ...stored, backlog };
}

interface Nats {
  nc: NatsConnection;
  jsm: JetStreamManager;
}

async function openNats(sources: StatusSources): Promise<Nats> {
  const nc = await connect({ servers: sources.natsUrl.split(','), name: `${sources.namespace}-status`, timeout: TIMEOUT_MS });
  try {
    return { nc, jsm: await jetstreamManager(nc, { timeout: TIMEOUT_MS }) };
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw error;
  }
}

async function openDatabase(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS, statement_timeout: TIMEOUT_MS });
  // An error after connecting (the server going away) fails the query in flight; nothing else to do with it.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function attempt<T>(what: string, open: () => Promise<T>): Promise<T | Unavailable> {
  try {
    return await open();
  } catch (error) {
    return { unavailable: `${what}: ${messageOf(error)}` };
  }
}

async function ifAvailable<S extends object, T>(
  source: S | Unavailable,
  what: string,
  read: (source: S) => Promise<T>,
): Promise<T | Unavailable> {
  if (isUnavailable(source)) return source;
  return attempt(what, () => read(source));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
