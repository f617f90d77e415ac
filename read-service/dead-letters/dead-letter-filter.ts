/** Which dead letters a command acts on: every criterion given must hold (none given: all of them). */
export interface DeadLetterFilter {
  projections?: readonly string[];
  tenants?: readonly string[];
  /** Dead letter ids (`dead_letters.id`, shown by `list`). */
  ids?: readonly number[];
  /** Also discarded letters (default: open ones only). */
  discarded?: boolean;
}

export function selectsSome(filter: DeadLetterFilter): boolean {
  return Boolean(filter.projections?.length || filter.tenants?.length || filter.ids?.length);
}

/** The filter as a SQL condition on dead_letters, with `?` placeholders. */
export function filterCondition(filter: DeadLetterFilter): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.projections?.length) {
    conditions.push('projection in (?)');
    params.push([...filter.projections]);
  }
  if (filter.tenants?.length) {
    conditions.push('tenant in (?)');
    params.push([...filter.tenants]);
  }
  if (filter.ids?.length) {
    conditions.push('id in (?)');
    params.push([...filter.ids]);
  }
  if (!filter.discarded) conditions.push('discarded_at is null');
  return { sql: conditions.length === 0 ? 'true' : conditions.join(' and '), params };
}
