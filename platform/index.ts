/**
 * What the three services share, importable from here: configuration, connections (NATS,
 * subjects), messaging, the contiguous consumer, failure
 * classification, logging, metrics and the status ping every replica answers. PostgreSQL (connections, migrations, the leader lock) is
 * platform/postgres/, so that the gateway, which has no database, does not load its driver;
 * tracing is platform/telemetry/, which a service's main loads before anything else.
 */
export * from './config.js';
export * from './nats.js';
export * from './event-stream.js';
export * from './subjects.js';
export * from './messaging.js';
export * from './deadline.js';
export * from './contiguous-consumer.js';
export * from './transient-failure.js';
export * from './process.js';
export * from './logger.js';
export * from './log-context.js';
export * from './metrics.js';
export { answerStatusPings, type ReplicaStatus, type StatusPingOptions } from './status-responder.js';
