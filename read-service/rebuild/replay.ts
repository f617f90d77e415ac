import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../platform/database.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { Projection } from '../projections/projection.js';
import type { RebuildFailure } from './rebuild-error.js';
import type { StreamMessage, StreamReader } from './stream-reader.js';

export interface ReplayOptions {
  orm: Orm;
  /** The build schema: every statement of a replay runs with only it on the search path. */
  schema: string;
  projections: readonly Projection[];
  reader: StreamReader;
  /** Stream messages per batch; each projection applies its share of a batch in one transaction. */
  batchSize: number;
}

interface Item {
  seq: number;
  event: EventEnvelope;
}

/**
 * Replays the stream into the build tables, each projection from its own position up to a target
 * (the live checkpoint), so that every event lands exactly once. A batch is read and decoded
 * while the previous one is written; within a batch, the projections (disjoint tables, disjoint
 * rows of projection_applied_versions) write side by side, each in one transaction, with its
 * `applyBatch` when it has one. A transaction that fails is redone event by event, each event in
 * a savepoint: the events that still fail are kept as failures, the others applied.
 */
export class Replay {
  /** Per projection: the last stream sequence applied or skipped in the build tables. */
  readonly positions = new Map<string, number>();
  readonly failures: RebuildFailure[] = [];
  /** Stream messages read (a message counts once however many projections apply it). */
  messagesRead = 0;

  constructor(private readonly options: ReplayOptions) {
    for (const projection of options.projections) this.positions.set(projection.name, 0);
  }

  /** Applies every message above each projection's position and up to its target; returns how many were read. */
  async until(targets: ReadonlyMap<string, number>): Promise<number> {
    const behind = this.options.projections.filter((p) => (targets.get(p.name) ?? 0) > this.positions.get(p.name)!);
    if (behind.length === 0) return 0;
    const last = Math.max(...behind.map((p) => targets.get(p.name)!));
    await this.options.reader.seek(Math.min(...behind.map((p) => this.positions.get(p.name)!)) + 1);
    let read = 0;
    let writing: Promise<void> = Promise.resolve();
    for (;;) {
      const batch = await this.options.reader.take(this.options.batchSize, last);
      await writing;
      if (batch.length === 0) break;
      read += batch.length;
      writing = this.write(batch, targets);
      writing.catch(() => undefined); // awaited on the next turn; no unhandled rejection meanwhile
    }
    for (const projection of behind)
      this.positions.set(projection.name, Math.max(this.positions.get(projection.name)!, targets.get(projection.name)!));
    this.messagesRead += read;
    return read;
  }

  private async write(batch: StreamMessage[], targets: ReadonlyMap<string, number>): Promise<void> {
    const lastSeq = batch.at(-1)!.seq;
    await Promise.all(
      this.options.projections.map(async (projection) => {
        const from = this.positions.get(projection.name)!;
        const to = targets.get(projection.name) ?? 0;
        const items: Item[] = [];
        for (const message of batch) {
          if (message.seq <= from || message.seq > to) continue;
          if (!message.isEvent)
            this.fail(projection, message.seq, undefined, new Error(`stream message ${message.seq} is not an event envelope`));
          else if (message.event && projection.eventTypes.has(message.event.type)) items.push({ seq: message.seq, event: message.event });
        }
        if (items.length > 0) await this.apply(projection, items);
        this.positions.set(projection.name, Math.max(from, Math.min(to, lastSeq)));
      }),
    );
  }

  private async apply(projection: Projection, items: Item[]): Promise<void> {
    try {
      await this.transaction(async (tx) => {
        if (projection.applyBatch)
          await projection.applyBatch(
            items.map((item) => item.event),
            tx,
            { announce: false },
          );
        else for (const item of items) await projection.apply(item.event, tx);
      });
    } catch {
      await this.transaction(async (tx) => {
        for (const item of items) {
          await tx.execute('savepoint rebuild_event', [], 'run');
          try {
            await projection.apply(item.event, tx);
            await tx.execute('release savepoint rebuild_event', [], 'run');
          } catch (error) {
            await tx.execute('rollback to savepoint rebuild_event', [], 'run');
            this.fail(projection, item.seq, item.event, error);
          }
        }
      });
    }
  }

  private transaction(work: (tx: EntityManager) => Promise<void>): Promise<void> {
    return this.options.orm.em.fork().transactional(async (tx) => {
      const em = tx as EntityManager;
      await em.execute(`set local search_path to ${this.options.schema}`, [], 'run');
      await work(em);
    });
  }

  private fail(projection: Projection, seq: number, event: EventEnvelope | undefined, error: unknown): void {
    this.failures.push({
      projection: projection.name,
      streamSeq: seq,
      eventId: event?.eventId,
      eventType: event?.type,
      tenant: event?.tenant,
      error: String((error as Error)?.message ?? error),
    });
  }
}
