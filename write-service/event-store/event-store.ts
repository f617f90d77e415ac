import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DomainEvent, EventEnvelope, EventMetadata } from '../../schema/events/envelope.js';
import { upcast } from '../../schema/events/upcasters.js';
import type { Subjects } from '../../platform/subjects.js';
import type { Orm } from '../../platform/database.js';

/** Raised when another writer appended to the stream after it was read (G5). */
export class StreamVersionConflict extends Error {
  constructor(readonly streamId: string, readonly expectedVersion: number) {
    super(`stream ${streamId} moved past version ${expectedVersion}`);
    this.name = 'StreamVersionConflict';
  }
}

/** Raised when another request already holds the idempotency key (G6). */
export class IdempotencyKeyTaken extends Error {
  constructor(readonly key: string) {
    super(`idempotency key ${key} already used`);
    this.name = 'IdempotencyKeyTaken';
  }
}

/** Raised when a unique-key reservation (e.g. an email) is held by another stream. */
export class UniqueKeyTaken extends Error {
  constructor(readonly scope: string, readonly value: string) {
    super(`${scope} ${value} is already taken`);
    this.name = 'UniqueKeyTaken';
  }
}

/** A value that must be unique per tenant within a scope, reserved in the append's transaction. */
export interface UniqueKey {
  scope: string;
  value: string;
}

export interface StreamRef {
  tenant: string;
  streamType: string;
  streamId: string;
}

export interface LoadedStream {
  events: EventEnvelope[];
  version: number;
}

export interface IdempotencyClaim {
  key: string;
  command: string;
  requestHash: string;
}

export interface AppendRequest extends StreamRef {
  expectedVersion: number;
  events: DomainEvent[];
  /** Event ids, chosen by the caller so it can wait for their publication. */
  eventIds: string[];
  metadata: EventMetadata;
  occurredAt: string;
  idempotency?: IdempotencyClaim;
  uniqueKeys?: UniqueKey[];
}

export interface AppendResult {
  version: number;
  events: EventEnvelope[];
}

export const OUTBOX_CHANNEL = 'outbox';

/**
 * The event store: streams of events per aggregate in PostgreSQL. An append writes the
 * events, their outbox rows and the idempotency record in one transaction; the unique
 * (tenant, stream, version) constraint makes two appends from one version exclusive.
 */
export class EventStore {
  constructor(private readonly orm: Orm, private readonly subjects: Subjects) {}

  newEventIds(count: number): string[] {
    return Array.from({ length: count }, () => randomUUID());
  }

  /** The stream's events after `afterVersion` (all of them by default), in version order. */
  async load(ref: StreamRef, afterVersion = 0): Promise<LoadedStream> {
    const rows = await this.em().execute<EventRow[]>(
      `select event_id, type, schema_version, version, data, metadata, occurred_at
         from events where tenant = ? and stream_type = ? and stream_id = ? and version > ? order by version`,
      [ref.tenant, ref.streamType, ref.streamId, afterVersion],
    );
    const events = rows.map((row) => upcast(toEnvelope(ref, row)));
    return { events, version: events.at(-1)?.version ?? afterVersion };
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const envelopes = request.events.map((event, index): EventEnvelope => ({
      eventId: request.eventIds[index] ?? randomUUID(),
      type: event.type,
      schemaVersion: 1,
      tenant: request.tenant,
      aggregateType: request.streamType,
      aggregateId: request.streamId,
      version: request.expectedVersion + index + 1,
      occurredAt: request.occurredAt,
      data: event.data,
      metadata: request.metadata,
    }));
    const subject = this.subjects.event(request.tenant, request.streamType, request.streamId);
    try {
      // One statement, so one round trip and atomic without an explicit transaction.
      const { sql, params } = appendStatement(request, subject, envelopes);
      await this.em().execute(sql, params, 'run');
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        const constraint = (error as unknown as { constraint?: string }).constraint;
        if (constraint === 'idempotency_keys_pkey') throw new IdempotencyKeyTaken(request.idempotency?.key ?? '');
        if (constraint === 'events_stream_version') throw new StreamVersionConflict(request.streamId, request.expectedVersion);
        if (constraint === 'unique_keys_pkey') {
          const detail = String((error as unknown as { detail?: string }).detail ?? '');
          const taken = (request.uniqueKeys ?? []).find((key) => detail.includes(`(${request.tenant}, ${key.scope}, ${key.value})`)) ?? request.uniqueKeys?.[0];
          throw new UniqueKeyTaken(taken?.scope ?? '', taken?.value ?? '');
        }
      }
      throw error;
    }
    return { version: request.expectedVersion + envelopes.length, events: envelopes };
  }

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }
}

interface EventRow {
  event_id: string;
  type: string;
  schema_version: number;
  version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
}

function toEnvelope(ref: StreamRef, row: EventRow): EventEnvelope {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    tenant: ref.tenant,
    aggregateType: ref.streamType,
    aggregateId: ref.streamId,
    version: row.version,
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: row.data,
    metadata: row.metadata,
  };
}

function placeholders(rows: number, columns: string[]): string {
  const row = `(${columns.join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/**
 * The append as one statement of data-modifying CTEs: the idempotency record, the unique-key
 * reservations, the events, their outbox rows, and a NOTIFY for the relay (delivered at commit).
 * Any unique violation (stream version, idempotency key, unique key) fails all of it.
 */
function appendStatement(request: AppendRequest, subject: string, envelopes: EventEnvelope[]): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (request.idempotency) {
    const last = envelopes.at(-1)!;
    parts.push(`idem as (insert into idempotency_keys (tenant, key, command, request_hash, aggregate_id, version, last_event_id)
      values (?, ?, ?, ?, ?, ?, ?))`);
    params.push(request.tenant, request.idempotency.key, request.idempotency.command, request.idempotency.requestHash, request.streamId, last.version, last.eventId);
  }
  (request.uniqueKeys ?? []).forEach((key, index) => {
    parts.push(`unique${index} as (insert into unique_keys (tenant, scope, value, stream_id) values (?, ?, ?, ?))`);
    params.push(request.tenant, key.scope, key.value, request.streamId);
  });
  parts.push(`appended as (insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
    values ${placeholders(envelopes.length, ['?', '?', '?', '?', '?', '?', '?', '?::jsonb', '?::jsonb', '?'])})`);
  for (const e of envelopes) {
    params.push(e.eventId, e.tenant, e.aggregateType, e.aggregateId, e.version, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), e.occurredAt);
  }
  parts.push(`queued as (insert into outbox (event_id, subject, payload) values ${placeholders(envelopes.length, ['?', '?', '?::jsonb'])})`);
  for (const e of envelopes) params.push(e.eventId, subject, JSON.stringify(e));
  params.push(OUTBOX_CHANNEL, '');
  return { sql: `with ${parts.join(',\n')} select pg_notify(?, ?)`, params };
}
