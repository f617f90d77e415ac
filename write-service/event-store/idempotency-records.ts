import { createHash } from 'node:crypto';
import type { Orm } from '../../platform/postgres/index.js';
import type { IdempotencyClaim } from './event-store.js';

/** The first result of a request with an idempotency key, written by the append of its events (G6). */
export interface IdempotencyRecord {
  command: string;
  requestHash: string;
  aggregateId: string;
  version: number;
  lastEventId: string;
}

/** An idempotency key repeated with a different request. */
export class IdempotencyKeyReused extends Error {
  constructor(readonly key: string) {
    super('this idempotency key was already used for a different request');
    this.name = 'IdempotencyKeyReused';
  }
}

/**
 * Idempotency records, beside the event store: `EventStore.append` writes one with the events
 * (its key taken: IdempotencyKeyTaken); here they are looked up to answer a repeated key.
 * Records older than the retention are pruned (write-service/retention).
 */
export class IdempotencyRecords {
  constructor(private readonly orm: Orm) {}

  /**
   * The first result recorded under the claim's key, if any; a key recorded for another request
   * is IdempotencyKeyReused. A saga's key names its step exactly, so only its command must match.
   */
  async firstResult(tenant: string, claim: IdempotencyClaim, { internal }: { internal: boolean }): Promise<IdempotencyRecord | undefined> {
    const record = await this.find(tenant, claim.key);
    if (record && (record.command !== claim.command || (!internal && record.requestHash !== claim.requestHash))) {
      throw new IdempotencyKeyReused(claim.key);
    }
    return record;
  }

  async find(tenant: string, key: string): Promise<IdempotencyRecord | undefined> {
    const rows = await this.orm.em
      .fork()
      .execute<{ command: string; request_hash: string; aggregate_id: string; version: number; last_event_id: string }[]>(
        'select command, request_hash, aggregate_id, version, last_event_id from idempotency_keys where tenant = ? and key = ?',
        [tenant, key],
      );
    const row = rows[0];
    return (
      row && {
        command: row.command,
        requestHash: row.request_hash,
        aggregateId: row.aggregate_id,
        version: row.version,
        lastEventId: row.last_event_id,
      }
    );
  }
}

/** What a repeat must match to be the same request: the command's name and its input (key order aside). */
export function requestHash(command: string, request: unknown): string {
  return createHash('sha256').update(command).update('\0').update(stableJson(request)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
