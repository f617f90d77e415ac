import { activeTraceparent, inSpan, inSpanSync } from '../../platform/telemetry/index.js';
import type { DomainEvent, EventMetadata } from '../../schema/index.js';
import type { DomainCommand } from '../domain/decider.js';
import { DomainError } from '../domain/domain-error.js';
import type { AggregateStates } from '../event-store/aggregate-states.js';
import type { EventStore, IdempotencyClaim, StreamRef, UniqueKey } from '../event-store/event-store.js';
import type { FoldedState } from '../event-store/state-cache.js';
import type { PublishWaiter } from '../outbox/publish-waiter.js';
import type { SomeAggregate } from './command-definition.js';
import { VersionConflict } from './command-errors.js';

export interface Decision {
  aggregate: SomeAggregate;
  ref: StreamRef;
  command: DomainCommand;
  context: unknown;
  expectedVersion: number | undefined;
  /** Decide first on the state this process assumes (cached, or new), confirming what does not append on the stored events. */
  assume: boolean;
  isNew: boolean;
  metadata: EventMetadata;
  claim: IdempotencyClaim | undefined;
  uniqueKeys: UniqueKey[];
}

export type Decided =
  { kind: 'unchanged'; stream: FoldedState } | { kind: 'appended'; version: number; publication: ReturnType<PublishWaiter['expect']> };

/**
 * Load, decide, append (after Emmett's handleCommand): the events the command decides on the
 * aggregate's state, appended at the version decided on (G5). Registers for the last event's
 * publication before the append, so that no notice slips between commit and wait.
 */
export async function decideAndAppend(
  deps: { store: EventStore; states: AggregateStates; waiter: PublishWaiter },
  decision: Decision,
): Promise<Decided> {
  const { aggregate, ref } = decision;
  const assumed = decision.assume ? deps.states.assumed(ref, aggregate.decider, decision.isNew) : undefined;
  let stream = assumed ?? (await deps.states.stored(ref, aggregate.decider));
  let events = traceDecide(decision, stream);
  // On an assumed state only an append stands: a refusal or a no-op is decided again on the stored events.
  if (assumed && (!Array.isArray(events) || events.length === 0)) {
    stream = await deps.states.stored(ref, aggregate.decider);
    events = traceDecide(decision, stream);
  }
  if (!Array.isArray(events)) throw events;
  if (events.length === 0) return { kind: 'unchanged', stream };
  const eventIds = deps.store.newEventIds(events.length);
  const publication = deps.waiter.expect(eventIds.at(-1)!);
  try {
    const appended = await inSpan(`append ${ref.streamType}`, { attributes: { 'cqrs.events': events.length } }, () => {
      // The events carry the append's trace context: the relay, the projections and the saga continue it.
      const traceparent = activeTraceparent();
      return deps.store.append({
        ...ref,
        expectedVersion: stream.version,
        events,
        eventIds,
        occurredAt: decision.command.now,
        metadata: traceparent ? { ...decision.metadata, traceparent } : decision.metadata,
        ...(decision.claim ? { idempotency: decision.claim } : {}),
        ...(decision.uniqueKeys.length > 0 ? { uniqueKeys: decision.uniqueKeys } : {}),
      });
    });
    const state = events.reduce((folded, event) => aggregate.decider.evolve(folded, event), stream.state);
    deps.states.appended(ref, { state, version: appended.version, lastEventId: eventIds.at(-1) });
    return { kind: 'appended', version: appended.version, publication };
  } catch (error) {
    publication.cancel();
    throw error;
  }
}

function traceDecide(decision: Decision, stream: FoldedState): DomainEvent[] | Error {
  return inSpanSync(`decide ${decision.command.type}`, { attributes: { 'cqrs.aggregate.version': stream.version } }, () =>
    decide(decision, stream),
  );
}

/** The events decided on a state, or the refusal (a domain error, or a client expectedVersion it is not at). */
function decide({ aggregate, command, context, expectedVersion }: Decision, stream: FoldedState): DomainEvent[] | Error {
  if (expectedVersion !== undefined && expectedVersion !== stream.version) return new VersionConflict(expectedVersion, stream.version);
  try {
    return aggregate.decider.decide(command, stream.state, context);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}
