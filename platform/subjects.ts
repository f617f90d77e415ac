/**
 * Every NATS name the system uses, derived from the namespace so that two systems can share
 * one NATS server without touching each other.
 */
export interface Subjects {
  /** JetStream stream of domain events. */
  stream: string;
  /** All event subjects: `<ns>.events.<tenant>.<aggregateType>.<aggregateId>`. */
  eventsWildcard: string;
  event(tenant: string, aggregateType: string, aggregateId: string): string;
  /** Request/reply endpoint of a command, served by the write-service queue group. */
  command(name: string): string;
  /** Request/reply endpoint of a query, served by the read-service queue group. */
  query(name: string): string;
  /** Core-NATS notice of a changed view row. */
  view(tenant: string, view: string, key: string): string;
  /** Core-NATS notice that a projection's checkpoint moved. */
  checkpoint(projection: string): string;
  checkpointWildcard: string;
  /** Request/reply: the leading runner of a projection answers the stamp of its last notice (see ProjectionNotices). */
  noticeStamp(projection: string): string;
  /** Core-NATS notice from the outbox relay: these events are in the stream. */
  published: string;
  /** Request, many replies: every replica of every service answers (no queue group) with its ReplicaStatus. */
  statusPing: string;
  consumer(name: string): string;
}

export const WRITE_QUEUE = 'write-service';
export const READ_QUEUE = 'read-service';

export function subjectsFor(namespace: string): Subjects {
  const ns = namespace;
  return {
    stream: `${ns.toUpperCase()}_EVENTS`,
    eventsWildcard: `${ns}.events.>`,
    event: (tenant, type, id) => `${ns}.events.${tenant}.${type}.${id}`,
    command: (name) => `${ns}.command.${name}`,
    query: (name) => `${ns}.query.${name}`,
    view: (tenant, view, key) => `${ns}.view.${tenant}.${view}.${key}`,
    checkpoint: (projection) => `${ns}.checkpoint.${projection}`,
    checkpointWildcard: `${ns}.checkpoint.*`,
    noticeStamp: (projection) => `${ns}.notices.${projection}`,
    published: `${ns}.relay.published`,
    statusPing: `${ns}.status.ping`,
    consumer: (name) => `${ns}_${name}`,
  };
}
