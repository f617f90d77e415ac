import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Orm, runAsLeader, type LeaderSession } from '../../platform/postgres/index.js';
import { type Logger, contiguousMessages, PULL_EXPIRES_MS, type Subjects, withLogContext } from '../../platform/index.js';
import { activeTraceparent, inSpan, SpanKind, withoutStatementSpans } from '../../platform/telemetry/index.js';
import type { EventEnvelope, ViewChange } from '../../schema/index.js';
import { applyRun, type RunFailure, type RunItem } from '../projection-engine/apply-run.js';
import { decodeEvent } from '../projection-engine/decode-event.js';
import { inTransaction } from '../projection-engine/transaction.js';
import type { ReadModel } from '../read-models/read-model.js';
import { batchOrigin, type BatchOrigin } from './batch-trace.js';
import { recordDeadLetter } from './dead-letters.js';
import { ProjectionNotices } from './projection-notices.js';

export interface ProjectionRunnerOptions {
  model: ReadModel;
  orm: Orm;
  databaseUrl: string;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  logger: Logger;
  /** Most events applied in one transaction; fewer when fewer are waiting. */
  maxBatch?: number;
  /** Told of each event recorded as a dead letter (for the metrics). */
  onDeadLetter?: (projection: string) => void;
  /** Told, once a batch's transaction has committed, of the read model's events it applied (for the metrics). */
  onApplied?: (projection: string, events: readonly EventEnvelope[]) => void;
  /** Fewest of the read model's events in a batch for its set-based writer (default SET_BASED_FROM). */
  setBasedFrom?: number;
  /** Test hook: runs after a batch commits and before it is acknowledged. */
  afterCommit?: (position: number) => Promise<void> | void;
}

/** The advisory lock (read database) held by a projection's leading runner; `npm run status` looks for it. */
export function projectionLock(subjects: Subjects, projection: string): string {
  return `${subjects.stream}.projection.${projection}`;
}

/** Another runner moved the checkpoint: this one is no longer the leader. */
class FencedOut extends Error {}

/**
 * Runs one projection: a single active instance (advisory lock) reads the event stream from a
 * durable consumer recreated at the database checkpoint, applies what has arrived (up to
 * maxBatch) in one transaction with the checkpoint, commits, acks, then tells subscribers
 * (view changes) and waiting queries (checkpoint). Events at or below the checkpoint are
 * skipped (G3); a failing event is retried, then dead-lettered, never stalling the stream.
 */
export function startProjectionRunner(options: ProjectionRunnerOptions): { stop(): Promise<void> } {
  return runAsLeader({
    databaseUrl: options.databaseUrl,
    lockName: projectionLock(options.subjects, options.model.name),
    logger: options.logger,
    lead: (session, signal) => new Run(options).lead(session, signal),
  });
}

class Run {
  /** Last event applied or skipped. */
  private checkpoint = 0;
  /** The checkpoint as stored (behind `checkpoint` while only skipped events followed it). */
  private persisted = 0;
  private readonly name: string;
  private readonly log: Logger;
  /** This leadership's notices: one epoch, one sequence. */
  private readonly notices: ProjectionNotices;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.name = options.model.name;
    this.log = options.logger.child({ projection: this.name });
    this.notices = new ProjectionNotices(options.nc, options.subjects, this.name);
  }

  async lead(session: LeaderSession, signal: AbortSignal): Promise<void> {
    this.checkpoint = await this.readCheckpoint();
    this.persisted = this.checkpoint;
    // A predecessor may have committed a batch and died before announcing it: whoever keeps
    // views from the notices (the gateway's cache, live subscribers) must read them again.
    this.notices.reset(this.checkpoint);
    const stopServing = this.notices.serveStamp();
    this.log.debug({ checkpoint: this.checkpoint }, 'consuming from checkpoint');
    const maxBatch = this.options.maxBatch ?? 500;
    const stopped = new AbortController();
    const stop = () => stopped.abort();
    signal.addEventListener('abort', stop);
    void session.lost.then(stop);
    if (signal.aborted) stop(); // stopped while it was getting ready
    const messages = contiguousMessages({
      nc: this.options.nc,
      after: this.checkpoint,
      signal: stopped.signal,
      logger: this.log,
      open: async (from) => (await this.resetConsumer(from)).consume({ max_messages: maxBatch, expires: PULL_EXPIRES_MS }),
    });
    try {
      for await (const batch of batches(messages, maxBatch)) await this.process(batch);
    } catch (error) {
      if (!(error instanceof FencedOut)) throw error;
      this.log.warn('checkpoint moved by another runner; standing down');
    } finally {
      stopServing();
      signal.removeEventListener('abort', stop);
      stopped.abort();
    }
  }

  /**
   * Trust the database checkpoint, not the consumer's position: the consumer is recreated to
   * deliver from `from` (just past the checkpoint, or past the last message handled when a
   * delivery went missing).
   */
  private async resetConsumer(from: number) {
    const { jsm, js, subjects } = this.options;
    const durable = subjects.consumer(this.name);
    await jsm.consumers.delete(subjects.stream, durable).catch(() => undefined);
    await jsm.consumers.add(subjects.stream, {
      durable_name: durable,
      // All: the batch's last acknowledgement stands for the batch (the checkpoint, not the
      // consumer, is what a restart trusts; acks only keep flow control going).
      ack_policy: AckPolicy.All,
      filter_subject: subjects.eventsWildcard,
      ack_wait: nanos(60_000),
      max_deliver: -1,
      max_ack_pending: 5000,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    return js.consumers.get(subjects.stream, durable);
  }

  private async readCheckpoint(): Promise<number> {
    const em = this.options.orm.em.fork();
    await em.execute('insert into projection_checkpoints (projection, position) values (?, 0) on conflict do nothing', [this.name], 'run');
    const rows = await em.execute<{ position: string }[]>('select position from projection_checkpoints where projection = ?', [this.name]);
    return Number(rows[0]?.position ?? 0);
  }

  private async process(batch: JsMsg[]): Promise<void> {
    const fresh = batch.filter((msg) => msg.seq > this.checkpoint).map((msg) => ({ seq: msg.seq, event: decoded(msg), msg }));
    if (fresh.length === 0) return this.apply(batch, fresh, undefined);
    // The batch's log lines carry its command's correlation id (or list the batch's), its span continues the events' trace.
    const origin = batchOrigin(fresh);
    const apply = () => this.apply(batch, fresh, origin);
    return origin.correlationId ? withLogContext({ correlationId: origin.correlationId }, apply) : apply();
  }

  private async apply(batch: JsMsg[], fresh: FreshItem[], origin: BatchOrigin | undefined): Promise<void> {
    let changes: ViewChange[] = [];
    let traceparent: string | undefined;
    if (fresh.length > 0) {
      const last = fresh.at(-1)!.seq;
      if (!fresh.some(({ event }) => !event || this.options.model.eventTypes.has(event.type))) {
        // Nothing here for this read model: move on in memory; the position is written with the
        // next batch that changes something, or after a second of quiet.
        this.checkpoint = last;
      } else {
        // The engine's passing failures (the database, the connection) leave lead(), which starts
        // over from the stored checkpoint once it can (runAsLeader): never a dead letter.
        const attributes = { 'cqrs.projection': this.name, 'cqrs.events': fresh.length, 'cqrs.position': last };
        const span = { kind: SpanKind.CONSUMER, parent: origin?.parent, links: origin?.links ?? [], attributes };
        let failures: RunFailure[] = [];
        // The batch is one span; its statements make none (decision #48).
        changes = await inSpan(`projection ${this.name}`, span, () => {
          traceparent = activeTraceparent();
          return withoutStatementSpans(() =>
            this.transaction(last, async (tx) => {
              const run = await applyRun(tx, this.options.model, fresh, { setBasedFrom: this.options.setBasedFrom });
              for (const failure of run.failures) await this.deadLetter(tx, failure, fresh.find((item) => item.seq === failure.seq)!.msg);
              failures = run.failures;
              return run.changes;
            }),
          );
        });
        this.checkpoint = last;
        this.options.onApplied?.(this.name, applied(this.options.model, fresh, failures));
        await this.options.afterCommit?.(last);
      }
    } else if (batch.length === 0) {
      // A quiet second: persist a position only skipped to, and say where we are, so that a
      // follower that lost the last notices sees the gap now rather than at the next change.
      if (this.persisted < this.checkpoint) await this.transaction(this.checkpoint, async () => undefined);
      this.notices.checkpoint(this.checkpoint);
    }
    batch.at(-1)?.ack();
    if (fresh.length > 0) {
      const correlationIds = origin?.correlationId ? undefined : origin?.correlationIds;
      this.log.debug(
        { from: batch[0]?.seq, to: batch.at(-1)?.seq, applied: fresh.length, checkpoint: this.checkpoint, correlationIds },
        'batch',
      );
      this.notices.batch(changes, this.checkpoint, { traceparent, correlationId: origin?.correlationId });
    }
  }

  /** Records an event the read model could not apply, in the transaction that moves past it, so that it holds up no one's events. */
  private async deadLetter(tx: EntityManager, { seq, event, error }: RunFailure, msg: JsMsg): Promise<void> {
    const correlationId = event?.metadata.correlationId;
    this.log.error(
      { err: error, seq, eventId: event?.eventId, eventType: event?.type, tenant: event?.tenant, correlationId },
      'event dead-lettered',
    );
    await recordDeadLetter(tx, {
      projection: this.name,
      streamSeq: seq,
      eventId: event?.eventId,
      eventType: event?.type,
      tenant: event?.tenant,
      payload: msg.string(),
      error: String((error as Error)?.message ?? error),
      attempts: 1,
    });
    this.options.onDeadLetter?.(this.name);
  }

  /**
   * Runs `work` and moves the stored checkpoint to `position` in one transaction, fenced on the
   * stored position. The checkpoint row is locked first, before any view row: a rebuild's
   * switch-over (read-service/rebuild) locks that row to wait for the batch in flight and to hold
   * the next one at its first statement, so the two never wait on each other's locks.
   */
  private async transaction<T>(position: number, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await inTransaction(this.options.orm, async (tx) => {
      // The fence: only the runner that knows the stored position may move it.
      const moved = await tx.execute<{ position: string }[]>(
        'update projection_checkpoints set position = ?, updated_at = now() where projection = ? and position = ? returning position',
        [position, this.name, this.persisted],
      );
      if (moved.length === 0) throw new FencedOut();
      return work(tx);
    });
    this.persisted = position;
    return result;
  }
}

/** A message past the checkpoint, decoded. */
interface FreshItem {
  seq: number;
  event: EventEnvelope | undefined;
  msg: JsMsg;
}

const IDLE = Symbol('idle');

/**
 * Groups messages into batches of what has already arrived (up to `max`), so that a batch is
 * one message at low rates (low lag) and grows with load; an empty batch after a quiet second. (The iterator's getPending() cannot
 * tell: it overcounts once the client has queued a pull.)
 */
async function* batches(messages: AsyncIterable<JsMsg>, max: number): AsyncGenerator<JsMsg[]> {
  const iterator = messages[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const head = await Promise.race([next, new Promise<typeof IDLE>((resolve) => setTimeout(() => resolve(IDLE), 1000).unref())]);
    if (head === IDLE) {
      yield []; // a quiet second: lets the runner persist a position it only skipped to
      continue;
    }
    if (head.done) return;
    const batch = [head.value];
    next = iterator.next();
    while (batch.length < max) {
      const ready = await Promise.race([next, new Promise<typeof IDLE>((resolve) => setImmediate(() => resolve(IDLE)))]);
      if (ready === IDLE || ready.done) break;
      batch.push(ready.value);
      next = iterator.next();
    }
    yield batch;
  }
}

/** The read model's events of a batch, but those that failed (dead letters). */
function applied(model: ReadModel, items: readonly RunItem[], failures: readonly RunFailure[]): EventEnvelope[] {
  const failed = new Set(failures.map((failure) => failure.seq));
  return items.flatMap(({ seq, event }) => (event && model.eventTypes.has(event.type) && !failed.has(seq) ? [event] : []));
}

/** Each message decoded once (deciding whether a batch concerns the read model, then applying it). */
const decodedEvents = new WeakMap<JsMsg, EventEnvelope | null>();

function decoded(msg: JsMsg): EventEnvelope | undefined {
  if (!decodedEvents.has(msg)) decodedEvents.set(msg, decodeEvent(msg.data) ?? null);
  return decodedEvents.get(msg) ?? undefined;
}
