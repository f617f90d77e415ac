import type { Orm } from '../../platform/postgres/index.js';
import type { EventEnvelope } from '../../schema/index.js';
import { applyRun } from '../projection-engine/apply-run.js';
import { inTransaction } from '../projection-engine/transaction.js';
import type { ReadModel } from '../read-models/read-model.js';
import type { RebuildFailure } from './rebuild-error.js';
import type { StreamMessage, StreamReader } from './stream-reader.js';

export interface ReplayOptions {
  orm: Orm;
  /** The build schema: every statement of a replay runs with only it on the search path. */
  schema: string;
  projections: readonly ReadModel[];
  reader: StreamReader;
  /** Stream messages per batch; each projection applies its share of a batch in one transaction. */
  batchSize: number;
}

/**
 * Replays the stream into the build tables, each projection from its own position up to a target
 * (the live checkpoint), so that every event lands exactly once. A batch is read and decoded
 * while the previous one is written; within a batch, the read models (disjoint tables, disjoint
 * rows of projection_applied_versions) write side by side, each its share in one transaction
 * through the projection engine, set-based whatever the run's length: the events that fail are
 * kept as failures, the others applied.
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
      this.options.projections.map(async (model) => {
        const from = this.positions.get(model.name)!;
        const to = targets.get(model.name) ?? 0;
        const items = batch.filter((message) => message.seq > from && message.seq <= to && (message.event || !message.isEvent));
        if (items.some((item) => !item.event || model.eventTypes.has(item.event.type))) {
          const run = await inTransaction(
            this.options.orm,
            (tx) => applyRun(tx, model, items, { setBasedFrom: 1, announce: false }),
            this.options.schema,
          );
          for (const failure of run.failures) this.fail(model, failure.seq, failure.event, failure.error);
        }
        this.positions.set(model.name, Math.max(from, Math.min(to, lastSeq)));
      }),
    );
  }

  private fail(projection: ReadModel, seq: number, event: EventEnvelope | undefined, error: unknown): void {
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
