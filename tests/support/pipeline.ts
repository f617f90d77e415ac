import { randomUUID } from 'node:crypto';
import { jetstream, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { encodeJson } from '../../platform/messaging.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import type { ReadModel } from '../../read-service/read-models/read-model.js';
import { readModels as allProjections } from '../../read-service/registry.js';
import type { DomainEvent, EventEnvelope } from '../../schema/events/envelope.js';
import { EventStore } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { startOutboxRelay } from '../../write-service/outbox/outbox-relay.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from './namespace.js';
import { waitFor } from './wait.js';

type Stoppable = { stop(): Promise<void> };

/**
 * The event path without the services' processes, in a namespace of its own: the event store and
 * its outbox relay (write database), the projection runners (read database), one stream. Relay and
 * runners can be stopped and started so that a test can put the stream in a state of its choosing.
 */
export class Pipeline {
  private relay: Stoppable | undefined;
  private runners: Stoppable[] = [];
  readonly logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');

  private constructor(
    readonly config: Config,
    readonly subjects: Subjects,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly writeOrm: Orm,
    readonly readOrm: Orm,
    readonly store: EventStore,
    readonly projections: readonly ReadModel[],
  ) {}

  static async start(label: string, options: { projections?: readonly ReadModel[] } = {}): Promise<Pipeline> {
    const config = testConfig(uniqueNamespace(label));
    const subjects = subjectsFor(config.namespace);
    const nc = await connect({ servers: config.natsUrl });
    const jsm = await ensureEventStream(nc, subjects);
    const writeOrm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    const readOrm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    const pipeline = new Pipeline(
      config,
      subjects,
      nc,
      jetstream(nc),
      jsm,
      writeOrm,
      readOrm,
      new EventStore(writeOrm, subjects),
      options.projections ?? allProjections,
    );
    pipeline.startRelay();
    await pipeline.startRunners();
    return pipeline;
  }

  startRelay(): void {
    this.relay ??= startOutboxRelay({
      databaseUrl: this.config.writeDatabaseUrl,
      nc: this.nc,
      js: this.js,
      subjects: this.subjects,
      logger: this.logger,
      idleMs: 200,
    });
  }

  async stopRelay(): Promise<void> {
    await this.relay?.stop();
    this.relay = undefined;
  }

  /**
   * Starts the runners and waits until each pulls from its consumer.
   */
  async startRunners(): Promise<void> {
    if (this.runners.length > 0) return;
    this.runners = this.projections.map((projection) =>
      startProjectionRunner({
        model: projection,
        orm: this.readOrm,
        databaseUrl: this.config.readDatabaseUrl,
        nc: this.nc,
        js: this.js,
        jsm: this.jsm,
        subjects: this.subjects,
        logger: this.logger,
      }),
    );
    for (const projection of this.projections) {
      await waitFor(
        async () =>
          (await this.jsm.consumers.info(this.subjects.stream, this.subjects.consumer(projection.name)).catch(() => undefined))
            ?.num_waiting,
        { what: `the ${projection.name} runner to consume` },
      );
    }
  }

  async stopRunners(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    this.runners = [];
  }

  /** Appends events to one aggregate after `expectedVersion`, as a command would; returns their envelopes. */
  async append(
    tenant: string,
    streamType: string,
    streamId: string,
    expectedVersion: number,
    events: DomainEvent[],
  ): Promise<EventEnvelope[]> {
    const result = await this.store.append({
      tenant,
      streamType,
      streamId,
      expectedVersion,
      events,
      eventIds: this.store.newEventIds(events.length),
      metadata: { correlationId: randomUUID() },
      occurredAt: new Date().toISOString(),
    });
    return result.events;
  }

  /** The outbox row of an event. */
  async outbox(eventId: string): Promise<{ id: number; subject: string; payload: unknown; streamSeq: number | null }> {
    const [row] = await this.writeSql<{ id: string; subject: string; payload: unknown; stream_seq: string | null }>(
      'select id, subject, payload, stream_seq from outbox where event_id = ?',
      [eventId],
    );
    if (!row) throw new Error(`no outbox row for ${eventId}`);
    return {
      id: Number(row.id),
      subject: row.subject,
      payload: row.payload,
      streamSeq: row.stream_seq === null ? null : Number(row.stream_seq),
    };
  }

  /** Waits until the relay has marked the event published; returns its stream sequence. */
  async published(eventId: string): Promise<number> {
    return waitFor(async () => (await this.outbox(eventId)).streamSeq ?? undefined, { what: `event ${eventId} to be published` });
  }

  /** Publishes an event's outbox row as the relay does, without marking it. */
  async publishByHand(eventId: string): Promise<PubAck> {
    const row = await this.outbox(eventId);
    return this.js.publish(row.subject, encodeJson(row.payload), { msgID: eventId });
  }

  /** Marks an event's outbox row published at `seq`, as the relay does after the acknowledgement. */
  async mark(eventId: string, seq: number): Promise<void> {
    await this.writeSql('update outbox set published_at = now(), stream_seq = ? where event_id = ?', [seq, eventId]);
  }

  async lastSeq(): Promise<number> {
    return (await this.jsm.streams.info(this.subjects.stream)).state.last_seq;
  }

  /** Waits until every projection's checkpoint is at `seq` (default: the stream's last sequence) or beyond. */
  async settled(seq?: number): Promise<void> {
    const target = seq ?? (await this.lastSeq());
    const names = this.projections.map((p) => p.name);
    await waitFor(
      async () => {
        const rows = await this.readSql<{ position: string }>('select position from projection_checkpoints where projection in (?)', [
          names,
        ]);
        return rows.length === names.length && rows.every((row) => Number(row.position) >= target);
      },
      { timeoutMs: 30_000, what: `the projections to reach ${target}` },
    );
  }

  writeSql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    return (this.writeOrm.em.fork() as EntityManager).execute<T[]>(query, params);
  }

  readSql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    return (this.readOrm.em.fork() as EntityManager).execute<T[]>(query, params);
  }

  async stop(): Promise<void> {
    await this.stopRunners().catch(() => undefined);
    await this.stopRelay().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
    await this.readOrm.close().catch(() => undefined);
    await this.writeOrm.close().catch(() => undefined);
    await cleanupNamespace(this.config);
  }
}
