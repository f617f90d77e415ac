import { createHash, randomUUID } from 'node:crypto';
import type { Orm } from '../../platform/database.js';
import { AppError, ErrorCode } from '../../schema/errors.js';
import type { CommandMessage, CommandResult } from '../../schema/commands/command-message.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';
import { requireString } from '../../schema/validation.js';
import { fold } from '../domain/decider.js';
import { EventStore, IdempotencyKeyTaken, StreamVersionConflict, type IdempotencyClaim } from '../event-store/event-store.js';
import type { PublishWaiter } from '../outbox/publish-waiter.js';
import type { CommandDefinition } from './command-definition.js';

export interface CommandExecutorOptions {
  orm: Orm;
  store: EventStore;
  waiter: PublishWaiter;
  /** How long a handler waits for the relay to publish its events before answering. */
  publishTimeoutMs?: number;
  /** Retries after losing a race on an aggregate when the client gave no expectedVersion. */
  maxRetries?: number;
  clock?: () => Date;
}

/**
 * Runs a command: validate, load and fold the aggregate, decide, append with the expected
 * version (G5), wait for publication and answer with the consistency token (G4). A repeated
 * idempotency key answers the first result (G6).
 */
export class CommandExecutor {
  constructor(private readonly options: CommandExecutorOptions) {}

  async execute(definition: CommandDefinition, message: CommandMessage): Promise<CommandResult> {
    return inputFields(async () => {
      const input = message.input ?? {};
      const now = (this.options.clock?.() ?? new Date()).toISOString();
      const idempotencyKey = input.idempotencyKey === undefined || input.idempotencyKey === null
        ? undefined
        : requireString(input.idempotencyKey, 'idempotencyKey', { max: 200 });
      let claim: IdempotencyClaim | undefined;
      if (idempotencyKey !== undefined) {
        claim = { key: idempotencyKey, command: definition.name, requestHash: hashRequest(definition.name, input) };
        const replayed = await this.replay(message, claim);
        if (replayed) return replayed;
      }
      const parsed = definition.parse(input, { now, newId: randomUUID });
      const maxRetries = this.options.maxRetries ?? 10;
      for (let attempt = 0; ; attempt += 1) {
        const ref = { tenant: message.tenant, streamType: definition.aggregateType, streamId: parsed.aggregateId };
        const stream = await this.options.store.load(ref);
        if (parsed.expectedVersion !== undefined && parsed.expectedVersion !== stream.version) {
          throw AppError.concurrencyConflict(parsed.expectedVersion, stream.version);
        }
        const state = fold(definition.decider, stream.events.map(({ type, data }) => ({ type, data })));
        const events = definition.decider.decide(parsed.command, state);
        const eventIds = this.options.store.newEventIds(events.length);
        const publication = this.options.waiter.expect(eventIds.at(-1)!);
        try {
          const appended = await this.options.store.append({
            ...ref,
            expectedVersion: stream.version,
            events,
            eventIds,
            occurredAt: now,
            metadata: { correlationId: message.correlationId, userId: message.userId },
            ...(claim ? { idempotency: claim } : {}),
          });
          const seq = await publication.published(this.options.publishTimeoutMs ?? 3000);
          return this.result(parsed.aggregateId, appended.version, seq, message.correlationId, false);
        } catch (error) {
          publication.cancel();
          if (error instanceof IdempotencyKeyTaken && claim) {
            const replayed = await this.replay(message, claim);
            if (replayed) return replayed;
          }
          if (!(error instanceof StreamVersionConflict)) throw error;
          if (parsed.expectedVersion !== undefined || attempt >= maxRetries) {
            const current = (await this.options.store.load(ref)).version;
            throw AppError.concurrencyConflict(parsed.expectedVersion ?? stream.version, current);
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
        }
      }
    });
  }

  private async replay(message: CommandMessage, claim: IdempotencyClaim): Promise<CommandResult | undefined> {
    const rows = await this.options.orm.em.fork().execute<IdempotencyRow[]>(
      'select command, request_hash, aggregate_id, version, last_event_id from idempotency_keys where tenant = ? and key = ?',
      [message.tenant, claim.key],
    );
    const record = rows[0];
    if (!record) return undefined;
    if (record.command !== claim.command || record.request_hash !== claim.requestHash) {
      throw AppError.conflict('idempotencyKey', 'this idempotency key was already used for a different request');
    }
    let seq = await this.options.waiter.lookup(record.last_event_id);
    if (seq === undefined) seq = await this.options.waiter.expect(record.last_event_id).published(this.options.publishTimeoutMs ?? 3000);
    return this.result(record.aggregate_id, record.version, seq, message.correlationId, true);
  }

  private result(aggregateId: string, version: number, seq: number | undefined, correlationId: string, replayed: boolean): CommandResult {
    if (seq === undefined) {
      throw new AppError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'the change is committed but not yet published; repeat the request with the same idempotency key for its consistency token',
      );
    }
    return { aggregateId, version, consistencyToken: encodeConsistencyToken(seq), correlationId, replayed };
  }
}

interface IdempotencyRow {
  command: string;
  request_hash: string;
  aggregate_id: string;
  version: number;
  last_event_id: string;
}

function hashRequest(command: string, input: Record<string, unknown>): string {
  return createHash('sha256').update(command).update('\0').update(stableJson(input)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Field errors of a command name the path from the mutation's argument: `input.price`. */
async function inputFields<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError && error.field !== undefined && !error.field.startsWith('input.')) {
      throw new AppError(error.code, error.message.replace(error.field, `input.${error.field}`), `input.${error.field}`, error.details);
    }
    throw error;
  }
}
