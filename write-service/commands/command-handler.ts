import { randomUUID } from 'node:crypto';
import type { Orm } from '../../platform/postgres/index.js';
import { isExpired } from '../../platform/index.js';
import { encodeConsistencyToken, AppError, ErrorCode, type CommandResult } from '../../schema/index.js';
import type { DomainCommand } from '../domain/decider.js';
import { DomainError } from '../domain/domain-error.js';
import { AggregateStates, streamKey } from '../event-store/aggregate-states.js';
import { IdempotencyKeyTaken, UniqueKeyTaken, type EventStore, type IdempotencyClaim } from '../event-store/event-store.js';
import { IdempotencyRecords, requestHash } from '../event-store/idempotency-records.js';
import { checkGrant, commandGrant } from '../authorization/authorize-command.js';
import type { PublishWaiter } from '../outbox/publish-waiter.js';
import { commandOfType, type WriteCommand } from '../registry.js';
import { AggregateQueue } from './aggregate-queue.js';
import type { CommandEntry, Folder, StateReader } from './command-definition.js';
import { NotYetPublished, VersionConflict } from './command-errors.js';
import { clientIdempotencyKey, readCommandRequest } from './command-input.js';
import { decideAndAppend } from './decide-and-append.js';
import { retryLostRaces } from './version-retry.js';

export interface CommandHandlerOptions {
  orm: Orm;
  store: EventStore;
  waiter: PublishWaiter;
  /** How long a client's command waits for the relay to publish its events before answering. */
  publishTimeoutMs?: number;
  /** How long a command without expectedVersion that lost a race on its aggregate is decided again. */
  retryForMs?: number;
  /** Told of each retry after a lost version race (for the metrics). */
  onRetry?: (command: string) => void;
  /** Told of each command dropped at its turn in its aggregate's queue because its caller's deadline had passed. */
  onExpired?: (command: string) => void;
  clock?: () => Date;
}

/** Who sends a command. */
export interface Caller {
  tenant: string;
  userId: string;
  correlationId: string;
  /** The event that caused the command (a saga's step): its events name it as their causationId. */
  causationId?: string;
}

interface Handling extends Caller {
  claim: IdempotencyClaim | undefined;
  expectedVersion: number | undefined;
  /** The command's aggregate id was generated for it: the aggregate starts from its initial state. */
  isNew: boolean;
  /** A command of the write-service itself: no wait for publication, internal keys. */
  internal: boolean;
  /** When the caller stops waiting (epoch ms, DEADLINE_HEADER); undefined: no deadline. */
  deadline?: number | undefined;
}

/**
 * Handles every command: loads its context, decides and appends one at a time per aggregate
 * (retrying lost version races, G5), waits for publication and answers with the consistency
 * token (G4). A repeated idempotency key answers the first result (G6): the append records the
 * key, so a repeat fails there, and every way out that does not append looks the key up first.
 */
export class CommandHandler {
  private readonly states: AggregateStates;
  private readonly records: IdempotencyRecords;
  /** Commands of one aggregate decide and append one at a time in this process. */
  private readonly queue = new AggregateQueue();

  constructor(private readonly options: CommandHandlerOptions) {
    this.states = new AggregateStates(options.store);
    this.records = new IdempotencyRecords(options.orm);
  }

  /**
   * A client's command: authorized on the caller's roles (write-service/authorization: before
   * anything is read), the input checked into the domain command, its grant's condition checked
   * (as itself, its own order), then handled.
   */
  async accept(entry: CommandEntry, body: unknown, deadline?: number): Promise<CommandResult> {
    const { definition, aggregate } = entry;
    const parse = definition.parse?.bind(definition);
    if (!parse) throw new Error(`${definition.name} is not a client command`);
    const request = readCommandRequest(body);
    const grant = commandGrant(definition.name, request);
    const key = clientIdempotencyKey(request.input.idempotencyKey);
    const claim =
      key === undefined ? undefined : { key, command: definition.name, requestHash: requestHash(definition.name, request.input) };
    return this.keyed(request, claim, false, async () => {
      const generated = new Set<string>();
      const newId = () => {
        const id = randomUUID();
        generated.add(id);
        return id;
      };
      const { command, expectedVersion } = parse(request.input, { now: this.now(), newId });
      await checkGrant(grant, command, request, this.state(request.tenant));
      const isNew = generated.has(aggregate.streamId(command));
      return this.handle(entry, command, { ...request, claim, expectedVersion, isNew, internal: false, deadline });
    });
  }

  /** A command of the write-service itself (a saga step): typed, with an internal key, not waiting for publication. */
  async execute(command: WriteCommand, caller: Caller & { idempotencyKey?: string }): Promise<CommandResult> {
    const entry = commandOfType(command.type);
    const { idempotencyKey: key, ...who } = caller;
    const claim =
      key === undefined ? undefined : { key, command: entry.definition.name, requestHash: requestHash(entry.definition.name, command) };
    return this.keyed(who, claim, true, () =>
      this.handle(entry, command, { ...who, claim, expectedVersion: undefined, isNew: false, internal: true }),
    );
  }

  /** The current state of an aggregate, folded from its stored events. */
  state(tenant: string): StateReader {
    return async <State>(aggregate: { type: string; decider: Folder<State> }, id: string): Promise<State> => {
      const ref = { tenant, streamType: aggregate.type, streamId: id };
      return (await this.states.stored(ref, aggregate.decider)).state as State; // folded by this decider
    };
  }

  /** An event as published, by whichever replica: drops the cached state it overtakes. */
  observe(event: { tenant: string; aggregateType: string; aggregateId: string; version: number }): void {
    this.states.observe(event);
  }

  private async handle(entry: CommandEntry, command: DomainCommand, handling: Handling): Promise<CommandResult> {
    const { aggregate, definition } = entry;
    const { tenant, claim, expectedVersion, internal } = handling;
    const ref = { tenant, streamType: aggregate.type, streamId: aggregate.streamId(command) };
    const context = await aggregate.context?.(command, this.state(tenant));
    const uniqueKeys = (definition.uniqueKeys ?? []).map((unique) => ({ scope: unique.scope, value: unique.value(command) }));
    const metadata = {
      correlationId: handling.correlationId,
      userId: handling.userId,
      ...(handling.causationId ? { causationId: handling.causationId } : {}),
    };
    const decided = await retryLostRaces(
      (retry) =>
        this.queue.run(streamKey(ref), () => {
          // Queued behind its aggregate's earlier commands past its caller's deadline: nobody waits for it, so nothing is decided.
          if (isExpired(handling.deadline)) {
            this.options.onExpired?.(definition.name);
            throw AppError.serviceUnavailable('the request waited past its deadline for its aggregate; nothing was changed');
          }
          return decideAndAppend(
            { store: this.options.store, states: this.states, waiter: this.options.waiter },
            { aggregate, ref, command, context, expectedVersion, assume: retry === 0, isNew: handling.isNew, metadata, claim, uniqueKeys },
          );
        }),
      {
        expectedVersion,
        retryForMs: this.options.retryForMs ?? 4_000,
        currentVersion: async () => (await this.states.stored(ref, aggregate.decider)).version,
        onRetry: () => this.options.onRetry?.(definition.name),
      },
    );
    if (decided.kind === 'unchanged') {
      // Nothing to change (e.g. a saga releasing stock twice): a repeated key answers its first result, else the current version.
      const replayed = claim && (await this.replay(handling, claim, internal));
      if (replayed) return replayed;
      const { lastEventId, version } = decided.stream;
      const seq = lastEventId === undefined ? 0 : await this.publishedSeq(lastEventId, internal);
      return this.result(ref.streamId, version, seq, handling.correlationId, false);
    }
    if (internal) {
      decided.publication.cancel();
      return this.result(ref.streamId, decided.version, 0, handling.correlationId, false);
    }
    const seq = await decided.publication.published(this.options.publishTimeoutMs ?? 3000);
    return this.result(ref.streamId, decided.version, seq, handling.correlationId, false);
  }

  /** Runs a keyed command; a way out that does not append answers the key's first result when there is one. */
  private async keyed(caller: Caller, claim: IdempotencyClaim | undefined, internal: boolean, run: () => Promise<CommandResult>) {
    try {
      return await run();
    } catch (error) {
      const replayed = claim && answeredWithoutAppending(error) ? await this.replay(caller, claim, internal) : undefined;
      if (replayed) return replayed;
      throw error;
    }
  }

  /** The first result of a key, or undefined when it has none. */
  private async replay(caller: Caller, claim: IdempotencyClaim, internal: boolean): Promise<CommandResult | undefined> {
    const record = await this.records.firstResult(caller.tenant, claim, { internal });
    if (!record) return undefined;
    const seq = await this.publishedSeq(record.lastEventId, internal);
    return this.result(record.aggregateId, record.version, seq, caller.correlationId, true);
  }

  /** The stream sequence of a committed event (waiting for its publication unless internal). */
  private async publishedSeq(eventId: string, internal: boolean): Promise<number | undefined> {
    const seq = await this.options.waiter.lookup(eventId);
    if (seq !== undefined || internal) return seq ?? 0;
    return this.options.waiter.expect(eventId).published(this.options.publishTimeoutMs ?? 3000);
  }

  private result(aggregateId: string, version: number, seq: number | undefined, correlationId: string, replayed: boolean): CommandResult {
    if (seq === undefined) throw new NotYetPublished();
    return { aggregateId, version, consistencyToken: encodeConsistencyToken(seq), correlationId, replayed };
  }

  private now(): string {
    return (this.options.clock?.() ?? new Date()).toISOString();
  }
}

/**
 * A refusal, rather than a failure of the service: a repeated key answers its first result
 * instead. Not FORBIDDEN: a key is per tenant, and its first result is not for whoever repeats it.
 */
function answeredWithoutAppending(error: unknown): boolean {
  if (error instanceof AppError) return error.code !== ErrorCode.SERVICE_UNAVAILABLE && error.code !== ErrorCode.FORBIDDEN;
  return (
    error instanceof DomainError ||
    error instanceof VersionConflict ||
    error instanceof IdempotencyKeyTaken ||
    error instanceof UniqueKeyTaken
  );
}
