import { randomUUID } from 'node:crypto';
import { AppError, type ErrorPayload } from '../../schema/errors.js';
import type { DomainEvent, EventEnvelope } from '../../schema/events/envelope.js';
import { schemaVersionOf, upcast } from '../../schema/events/upcasters.js';
import type { CommandEntry, Folder, Parsed, StateReader } from '../../write-service/commands/command-definition.js';
import { VersionConflict } from '../../write-service/commands/command-errors.js';
import { commandErrorPayload } from '../../write-service/commands/error-payload.js';
import { fold, type DomainCommand } from '../../write-service/domain/decider.js';
import { DomainError } from '../../write-service/domain/domain-error.js';
import { UniqueKeyTaken } from '../../write-service/event-store/event-store.js';
import { aggregates, commandNamed, commandOfType, type WriteCommand } from '../../write-service/registry.js';

export type Outcome =
  { accepted: true; aggregateId: string; events: EventEnvelope[] } | { accepted: false; error: unknown; payload: ErrorPayload };

/**
 * The write side without its storage, for generated histories: a client's input goes through its
 * command's `parse`, and every command through its aggregate's context and pure decider as the
 * handler runs them (expected version, unique keys per tenant), found through the registry; what
 * is accepted becomes envelopes with versions, as the event store writes them and the relay
 * publishes them (JSON on the wire). A refusal is an outcome, answered as the write-service's
 * edge answers it; anything else thrown is a bug and propagates.
 */
export class InMemoryWriteSide {
  /** Every accepted event, in commit order: the stream the projections read. */
  readonly published: EventEnvelope[] = [];
  private readonly streams = new Map<string, DomainEvent[]>();
  private readonly taken = new Set<string>();
  /** Refusals by command, code and field (`createProduct:BAD_USER_INPUT:input.price`). */
  readonly refused: Record<string, number> = {};

  constructor(readonly tenant: string) {}

  /** The current state of an aggregate, folded from its events. */
  state<State>(aggregateType: string, aggregateId: string): State {
    const aggregate = aggregates.find((candidate) => candidate.type === aggregateType);
    if (!aggregate) throw new Error(`no aggregate of type ${aggregateType}`);
    return fold(aggregate.decider as Folder<unknown>, this.streams.get(streamKey(aggregateType, aggregateId)) ?? []) as State;
  }

  /** The aggregate's version: how many events its stream holds. */
  version(aggregateType: string, aggregateId: string): number {
    return this.streams.get(streamKey(aggregateType, aggregateId))?.length ?? 0;
  }

  /** A client's mutation, its raw input parsed as the write-service's endpoint does. */
  async accept(name: string, input: Record<string, unknown>, now: string): Promise<Outcome> {
    const entry = commandNamed(name);
    const parse = entry?.definition.parse;
    if (!entry || !parse) throw new Error(`no client command ${name}`);
    return this.handle(entry, () => parse(input, { now, newId: randomUUID }));
  }

  /** A command of the write side itself (a saga step). */
  async execute(command: WriteCommand): Promise<Outcome> {
    return this.handle(commandOfType(command.type), () => ({ command }));
  }

  private async handle(entry: CommandEntry, parse: () => Parsed<DomainCommand>): Promise<Outcome> {
    const { aggregate, definition } = entry;
    try {
      const { command, expectedVersion } = parse();
      const read: StateReader = async <State>(other: { type: string }, id: string) => this.state<State>(other.type, id);
      const context = await aggregate.context?.(command, read);
      const aggregateId = aggregate.streamId(command);
      const key = streamKey(aggregate.type, aggregateId);
      const stream = this.streams.get(key) ?? [];
      if (expectedVersion !== undefined && expectedVersion !== stream.length) throw new VersionConflict(expectedVersion, stream.length);
      const events = aggregate.decider.decide(command, fold(aggregate.decider, stream), context);
      if (events.length === 0) return { accepted: true, aggregateId, events: [] };
      const claims = (definition.uniqueKeys ?? []).map((unique) => ({ scope: unique.scope, value: unique.value(command) }));
      const takenClaim = claims.find((claim) => this.taken.has(`${claim.scope}\u0000${claim.value}`));
      if (takenClaim) throw new UniqueKeyTaken(takenClaim.scope, takenClaim.value);
      for (const claim of claims) this.taken.add(`${claim.scope}\u0000${claim.value}`);
      const envelopes = events.map((event, index): EventEnvelope =>
        upcast(
          JSON.parse(
            JSON.stringify({
              eventId: randomUUID(),
              type: event.type,
              schemaVersion: schemaVersionOf(event.type),
              tenant: this.tenant,
              aggregateType: aggregate.type,
              aggregateId,
              version: stream.length + index + 1,
              occurredAt: command.now,
              data: event.data,
              metadata: { correlationId: randomUUID() },
            }),
          ) as EventEnvelope,
        ),
      );
      this.streams.set(key, [...stream, ...events]);
      this.published.push(...envelopes);
      return { accepted: true, aggregateId, events: envelopes };
    } catch (error) {
      if (!(
        error instanceof AppError ||
        error instanceof DomainError ||
        error instanceof VersionConflict ||
        error instanceof UniqueKeyTaken
      )) {
        throw error;
      }
      const payload = commandErrorPayload(entry, error) ?? (error as AppError).toPayload();
      const key = `${definition.name}:${payload.code}:${payload.field ?? ''}`;
      this.refused[key] = (this.refused[key] ?? 0) + 1;
      return { accepted: false, error, payload };
    }
  }
}

function streamKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}\u0000${aggregateId}`;
}
