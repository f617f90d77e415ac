/**
 * The write-service's public face: what the scripts, the benchmark, the other services' tools
 * and the tests may use. Everything else in write-service/ is its own business.
 */
export { startWriteService, type RunningService } from './write-service.js';
export { aggregates, clientCommands, commandNamed, commandOfType, type WriteCommand } from './registry.js';
export { CommandHandler, type Caller, type CommandHandlerOptions } from './commands/command-handler.js';
export { DomainError, type Refusal } from './domain/domain-error.js';
export {
  AppendFailed,
  EventStore,
  IdempotencyKeyTaken,
  OUTBOX_CHANNEL,
  StreamVersionConflict,
  UniqueKeyTaken,
  type AppendOutcome,
  type AppendRequest,
} from './event-store/event-store.js';
export { writeMigrations } from './migrations/index.js';
export { outboxRelayLock, startOutboxRelay, type PublishedNotice } from './outbox/outbox-relay.js';
export { ORDER_SAGA, orderSagaLock } from './sagas/order-saga.js';
export { PublishWaiter } from './outbox/publish-waiter.js';
export { republish, type RepublishSelection } from './outbox/republish.js';
export { formatRepublishReport, parseRepublishCommand } from './outbox/republish-command.js';
export { RepublishError, RepublishErrorCode } from './outbox/republish-error.js';
export { auditStream, type StreamAudit } from './outbox/stream-audit.js';
export { streamRange } from './outbox/stream-range.js';
export { prune, startRetention } from './retention/retention.js';
