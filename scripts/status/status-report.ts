import type { ReplicaStatus } from '../../platform/index.js';

/** What could not be read, and why (a database or NATS that did not answer): the rest of the report still stands. */
export interface Unavailable {
  unavailable: string;
}

export function isUnavailable<T>(part: T | Unavailable): part is Unavailable {
  return typeof part === 'object' && part !== null && 'unavailable' in part;
}

/** The services the system is made of: each should have at least one replica answering. */
export const SERVICES = ['gateway', 'write-service', 'read-service'] as const;

export interface ServiceReplicas {
  service: string;
  replicas: ReplicaStatus[];
}

export interface StreamState {
  name: string;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  /** When the last message was stored; null for an empty stream. */
  lastAt: string | null;
  consumers: number;
}

export interface ProjectionState {
  name: string;
  /** Checkpoint: the last stream sequence applied or skipped. */
  position: number;
  /** Events of the stream past the checkpoint; null when the stream could not be read. */
  lag: number | null;
  /** When the first event past the checkpoint was stored (how long the oldest waiting event has waited); null when none waits or unknown. */
  waitingSince: string | null;
  /** Open dead letters (not discarded). */
  deadLetters: number;
  /** When the checkpoint was last stored. */
  updatedAt: string | null;
  /** A runner holds the projection's leader lock. */
  runner: boolean;
  /** `npm run rebuild` holds the projection's rebuild lock. */
  rebuilding: boolean;
}

export interface OutboxState {
  /** Committed events the relay has not yet published. */
  unpublished: number;
  /** When the oldest of them was committed; null when there is none. */
  oldestAt: string | null;
  /** A relay holds the leader lock. */
  relay: boolean;
}

export interface SagaState {
  name: string;
  /** Its durable JetStream consumer. */
  consumer: string;
  /** Position stored in the write database (last stream sequence handled); null before the saga first ran. */
  position: number | null;
  /** A write-service replica holds the saga's leader lock. */
  runner: boolean;
  /** The consumer's counts; null when the consumer does not exist (no saga has run on this stream). */
  backlog: SagaBacklog | null;
}

export interface SagaBacklog {
  /** Order events not yet delivered to the saga. */
  pending: number;
  /** Delivered, not yet acknowledged (the saga acknowledges what it handled every 100 ms). */
  ackPending: number;
  /** Pull requests waiting: the saga is listening. */
  pullsWaiting: number;
  /** When the consumer last delivered a message; null when never. */
  lastDeliveredAt: string | null;
  /** When the consumer was (re)created: the saga recreates it each time it takes the lead. */
  createdAt: string;
}

/** One snapshot of the system, as `npm run status` prints it (`--json` prints this). */
export interface StatusReport {
  namespace: string;
  takenAt: string;
  /** The known services first (each possibly with no replica), then any other that answered. */
  services: ServiceReplicas[] | Unavailable;
  stream: StreamState | Unavailable;
  projections: ProjectionState[] | Unavailable;
  outbox: OutboxState | Unavailable;
  saga: SagaState | Unavailable;
}
