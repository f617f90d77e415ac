import { randomUUID } from 'node:crypto';
import { AppError } from '../../schema/errors.js';
import type { DomainEvent, EventEnvelope } from '../../schema/events/envelope.js';
import { upcast } from '../../schema/events/upcasters.js';
import type { CommandDefinition, StateLoader } from '../../write-service/commands/command-definition.js';
import { fold, type Decider } from '../../write-service/domain/decider.js';
import { decidersByType } from '../../write-service/domain/deciders.js';

export type Outcome = { accepted: true; aggregateId: string; events: EventEnvelope[] } | { accepted: false; error: AppError };

/**
 * The write side without its storage, for generated histories: a command goes through its
 * definition's `parse`, `enrich` and the aggregate's pure decider as CommandExecutor runs them
 * (expected version, unique keys per tenant), and what is accepted becomes envelopes with
 * versions, as the event store writes them and the relay publishes them (JSON on the wire). A
 * refusal (AppError) is an outcome; anything else thrown is a bug and propagates.
 */
export class InMemoryWriteSide {
  /** Every accepted event, in commit order: the stream the projections read. */
  readonly published: EventEnvelope[] = [];
  private readonly streams = new Map<string, DomainEvent[]>();
  private readonly taken = new Set<string>();
  readonly refused: Record<string, number> = {};

  constructor(readonly tenant: string) {}

  /** The current state of an aggregate, folded from its events. */
  state<State>(aggregateType: string, aggregateId: string): State {
    return fold(deciderOf(aggregateType), this.streams.get(streamKey(aggregateType, aggregateId)) ?? []) as State;
  }

  /** The aggregate's version: how many events its stream holds. */
  version(aggregateType: string, aggregateId: string): number {
    return this.streams.get(streamKey(aggregateType, aggregateId))?.length ?? 0;
  }

  async execute(definition: CommandDefinition, input: Record<string, unknown>, now: string): Promise<Outcome> {
    try {
      const parsed = definition.parse(input, { now, newId: randomUUID });
      const load: StateLoader = async <State>(type: string, id: string) => this.state<State>(type, id);
      const command = definition.enrich ? await definition.enrich(parsed.command, load) : parsed.command;
      const key = streamKey(definition.aggregateType, parsed.aggregateId);
      const stream = this.streams.get(key) ?? [];
      if (parsed.expectedVersion !== undefined && parsed.expectedVersion !== stream.length) {
        throw AppError.concurrencyConflict(parsed.expectedVersion, stream.length);
      }
      const events = definition.decider.decide(command, fold(definition.decider, stream));
      if (events.length === 0) return { accepted: true, aggregateId: parsed.aggregateId, events: [] };
      const claims = definition.uniqueKeys?.(command) ?? [];
      const takenClaim = claims.find((claim) => this.taken.has(`${claim.scope}\u0000${claim.value}`));
      if (takenClaim) throw AppError.conflict(takenClaim.field, `${takenClaim.field} ${takenClaim.value} is already taken`);
      for (const claim of claims) this.taken.add(`${claim.scope}\u0000${claim.value}`);
      const envelopes = events.map((event, index): EventEnvelope =>
        upcast(
          JSON.parse(
            JSON.stringify({
              eventId: randomUUID(),
              type: event.type,
              schemaVersion: 1,
              tenant: this.tenant,
              aggregateType: definition.aggregateType,
              aggregateId: parsed.aggregateId,
              version: stream.length + index + 1,
              occurredAt: now,
              data: event.data,
              metadata: { correlationId: randomUUID() },
            }),
          ) as EventEnvelope,
        ),
      );
      this.streams.set(key, [...stream, ...events]);
      this.published.push(...envelopes);
      return { accepted: true, aggregateId: parsed.aggregateId, events: envelopes };
    } catch (error) {
      if (error instanceof AppError) {
        const key = `${definition.name}:${error.code}:${error.field ?? ''}`;
        this.refused[key] = (this.refused[key] ?? 0) + 1;
        return { accepted: false, error };
      }
      throw error;
    }
  }
}

function deciderOf(aggregateType: string): Decider<unknown, unknown, DomainEvent> {
  const decider = decidersByType[aggregateType];
  if (!decider) throw new Error(`no decider for aggregate type ${aggregateType}`);
  return decider;
}

function streamKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}\u0000${aggregateId}`;
}
