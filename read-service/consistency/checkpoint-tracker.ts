import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Orm } from '../../platform/postgres/index.js';
import { remainingMs, type Subjects } from '../../platform/index.js';
import { AppError, type CheckpointNotice } from '../../schema/index.js';

function deadlinePassed(): AppError {
  return AppError.serviceUnavailable("the request's deadline passed before the read models reached its consistency token");
}

interface Waiter {
  projections: readonly string[];
  position: number;
  resolve(): void;
}

/**
 * Knows how far each projection has got, from the runners' checkpoint notices, so that a query
 * with a consistency token waits exactly until its read models reach it (G4) without polling.
 */
export class CheckpointTracker {
  private readonly positions = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly orm: Orm,
  ) {}

  /** Subscribes first, then reads the stored checkpoints, so no notice falls in between. */
  async start(): Promise<void> {
    this.sub = this.nc.subscribe(this.subjects.checkpointWildcard, {
      callback: (error, msg) => {
        if (!error) {
          const notice = msg.json<CheckpointNotice>();
          this.advance(notice.projection, notice.position);
        }
      },
    });
    await this.refresh();
  }

  position(projection: string): number {
    return this.positions.get(projection) ?? 0;
  }

  /**
   * Resolves when every named projection is at or past `position`; CONSISTENCY_TIMEOUT after
   * `timeoutMs`. Never waits past the request's `deadline` (epoch ms): once its caller has gone,
   * the wait ends with SERVICE_UNAVAILABLE, without asking the database, so that abandoned
   * requests leave nothing behind in the service.
   */
  async waitFor(projections: readonly string[], position: number, timeoutMs: number, token: string, deadline?: number): Promise<void> {
    if (this.reached(projections, position)) return;
    const untilDeadline = remainingMs(deadline);
    if (untilDeadline <= 0) throw deadlinePassed();
    const callerGoesFirst = untilDeadline < timeoutMs;
    let waiter!: Waiter;
    const reached = new Promise<void>((resolve) => {
      waiter = { projections, position, resolve };
    });
    this.waiters.add(waiter);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), callerGoesFirst ? untilDeadline : timeoutMs);
    });
    try {
      if ((await Promise.race([reached, timedOut])) !== 'timeout') return;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(waiter);
    }
    if (callerGoesFirst) throw deadlinePassed();
    await this.refresh(); // a notice may have been lost on a reconnect: ask the database once
    if (!this.reached(projections, position)) throw AppError.consistencyTimeout(token);
  }

  /** Consistency waits under way (for the tests and the metrics). */
  get waiting(): number {
    return this.waiters.size;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  private reached(projections: readonly string[], position: number): boolean {
    return projections.every((name) => this.position(name) >= position);
  }

  private advance(projection: string, position: number): void {
    if (position <= this.position(projection)) return;
    this.positions.set(projection, position);
    for (const waiter of this.waiters) {
      if (this.reached(waiter.projections, waiter.position)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private async refresh(): Promise<void> {
    const rows = await this.orm.em
      .fork()
      .execute<{ projection: string; position: string }[]>('select projection, position from projection_checkpoints');
    for (const row of rows) this.advance(row.projection, Number(row.position));
  }
}
