import type { EntityManager } from '@mikro-orm/postgresql';
import type { ViewChange } from '../../schema/views/view-change.js';

/**
 * What the projections' `applyBatch` share. A batch writes what `apply` one by one would, or
 * refuses (throws Unbatchable) when it cannot vouch for that; the rebuild then applies the run
 * event by event.
 */
export class Unbatchable extends Error {}

export function text(value: unknown): string {
  if (typeof value !== 'string') throw new Unbatchable(`expected a string, got ${typeof value}`);
  return value;
}

export function int(value: unknown): number {
  if (!Number.isInteger(value)) throw new Unbatchable(`expected an integer, got ${String(value)}`);
  return value as number;
}

/**
 * An amount with at most two decimals: one by one, each addition to a numeric(38, 2) column is
 * rounded; with such amounts a batch's sum is the same without rounding.
 */
export function money(value: unknown): string {
  if (typeof value !== 'string' || !/^-?\d+(\.\d{1,2})?$/.test(value))
    throw new Unbatchable(`not an amount with at most two decimals: ${String(value)}`);
  return value;
}

/**
 * Whether any of the rows (`tenant`, `id`) is missing from `table`: for a run where a row's
 * change comes before its creation, which one by one finds no row.
 */
export async function anyMissing(tx: EntityManager, table: string, keys: readonly { tenant: string; id: string }[]): Promise<boolean> {
  const [row] = await tx.execute<{ missing: boolean }[]>(
    `select exists (select 1 from json_to_recordset(?::json) as e(tenant text, id uuid)
       where not exists (select 1 from ${table} t where t.tenant = e.tenant and t.id = e.id)) as missing`,
    [JSON.stringify(keys.map(({ tenant, id }) => ({ tenant, id })))],
  );
  return row?.missing !== false;
}

/** The rows whose creation in `ord` order comes after a change of theirs, for anyMissing. */
export function changedBeforeCreated<T extends { ord: number; tenant: string; id: string }>(
  changes: readonly T[],
  createdAt: ReadonlyMap<string, number>,
): T[] {
  return changes.filter((change) => (createdAt.get(`${change.tenant}/${change.id}`) ?? -1) > change.ord);
}

/**
 * How a batch reports the rows it changed: the view's columns to return (as its query handlers
 * read them) and the view change each row makes. Rows come back with their `tenant` too.
 */
export interface ChangedRows<Row> {
  columns: string;
  change(row: Row & { tenant: string }): Omit<ViewChange, 'position'>;
}

/** `columns` (a comma-separated list) qualified with a table alias, for RETURNING in an UPDATE ... FROM. */
export function qualified(columns: string, alias: string): string {
  return columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
}

/** Each row's change once, the last one given for a row winning (a row inserted and then changed by one batch). */
export function lastPerRow(changes: readonly Omit<ViewChange, 'position'>[]): Omit<ViewChange, 'position'>[] {
  const byRow = new Map<string, Omit<ViewChange, 'position'>>();
  for (const change of changes) {
    const key = `${change.tenant}/${change.view}/${change.key}`;
    byRow.delete(key);
    byRow.set(key, change);
  }
  return [...byRow.values()];
}

export interface BatchOptions {
  /** Whether to return the changed rows (the live runner does); a rebuild announces nothing. Default true. */
  announce?: boolean;
}

/** A RETURNING list: the tenant and the view's columns when announcing, else the tenant alone (enough to count rows). */
export function returning(rows: ChangedRows<never>, options: BatchOptions, alias?: string): string {
  if (options.announce === false) return alias ? `${alias}.tenant` : 'tenant';
  return alias ? `${alias}.tenant, ${qualified(rows.columns, alias)}` : `tenant, ${rows.columns}`;
}

/** The changes of the rows a batch returned, each row once (none when not announcing). */
export function announced<Row>(
  rows: ChangedRows<Row>,
  changed: readonly (Row & { tenant: string })[],
  options: BatchOptions,
): Omit<ViewChange, 'position'>[] {
  return options.announce === false ? [] : lastPerRow(changed.map((row) => rows.change(row)));
}
