/** What one relay scan saw, all in the scan's own snapshot. */
export interface ScanSnapshot {
  /** The highest outbox id visible to the snapshot (published or not). */
  top: number;
  /** Every transaction id below this had finished when the snapshot was taken. */
  xmin: bigint;
  /**
   * A transaction id above every id handed out before the snapshot: the scan's own, from
   * `pg_current_xact_id()`. Not `pg_snapshot_xmax`, which is one past the highest *finished*
   * id: a transaction that took a higher id and is still running is neither below it nor in the
   * snapshot's list of running ids.
   */
  ceiling: bigint;
}

/**
 * The relay's floor: an outbox id at or below which every row that will ever exist is
 * published, so that a scan for unpublished rows can start above it instead of wading through
 * the index entries that every published row leaves behind until VACUUM (thousands per scan
 * under load: the relay's select was the largest single cost in PostgreSQL).
 *
 * Ids are not visible in id order (a transaction that took a lower id may commit later), so the
 * floor never simply follows the highest published id. It moves to a scan's `top` only once
 * every transaction that held an id at that scan has finished (a later scan's `xmin` reached the
 * earlier one's `ceiling`): from then on no row at or below that `top` can still appear. A row at
 * or below `top` took its outbox id before the row `top` did, hence before that row committed
 * and before the scan; its writer took its transaction id earlier still (the outbox's id default,
 * `outbox_next_id()`, takes it first), hence below the scan's ceiling.
 * The rows at or below `top` that the settling scan returned must also have been published.
 */
export class PublishedFloor {
  private current = 0;
  /** Earlier scans that have not settled yet, oldest first (ceiling and top never go down). */
  private pending: { top: number; ceiling: bigint }[] = [];

  constructor(private readonly maxPending = 10_000) {}

  get value(): number {
    return this.current;
  }

  /**
   * Notes a scan's snapshot; returns the highest `top` of earlier scans that this one settles
   * (every transaction holding an id at their time had finished when it was taken), if any.
   */
  observe(scan: ScanSnapshot): number | undefined {
    let settled: number | undefined;
    while (this.pending.length > 0 && this.pending[0]!.ceiling <= scan.xmin) settled = this.pending.shift()!.top;
    this.pending.push({ top: scan.top, ceiling: scan.ceiling });
    if (this.pending.length > this.maxPending) this.pending.shift();
    return settled;
  }

  /**
   * Moves the floor after a scan that started at `from` and settled `settled`: up to it, but
   * not past the first row of the scan left unpublished, nor past the last row of a scan cut
   * short by its limit (rows beyond it were not seen).
   */
  advance(from: number, settled: number | undefined, rowIds: readonly number[], published: number, limit: number): void {
    // A scan that started above the floor (lowered meanwhile) did not see what is below its start.
    if (settled === undefined || from > this.current) return;
    let bound = settled;
    if (published < rowIds.length) bound = Math.min(bound, rowIds[published]! - 1);
    else if (rowIds.length >= limit) bound = Math.min(bound, rowIds.at(-1)!);
    this.current = Math.max(this.current, bound);
  }

  /** Brings the floor down to `to` (a row was found unpublished below it: the sweep). */
  lower(to: number): void {
    this.current = Math.min(this.current, to);
  }
}
