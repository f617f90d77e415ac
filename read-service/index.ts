/**
 * The read-service's public face: what the scripts, the benchmark and the other services' tools
 * may use. Everything else in read-service/ is its own business (tests may reach further).
 */
export { startReadService, type ReadServiceOptions } from './read-service.js';
export { readModelNamed, readModels } from './registry.js';
export type { ReadModel } from './read-models/read-model.js';
export { readMigrations } from './migrations/index.js';
export { highestCheckpoint } from './consistency/projection-positions.js';
export { rebuildLock, rebuildProjections, type RebuildOptions, type RebuildReport } from './rebuild/rebuild-projections.js';
export { projectionLock } from './projection-runner/projection-runner.js';
export { RebuildError, RebuildErrorCode } from './rebuild/rebuild-error.js';
export { verifyProjections, type VerifyOptions } from './verify/verify-projections.js';
export { formatVerifyReport, isClean, type VerifyReport } from './verify/verify-report.js';
export { DEAD_LETTER_USAGE, parseDeadLetterCommand } from './dead-letters/dead-letter-command.js';
export { DeadLetterError, DeadLetterErrorCode } from './dead-letters/dead-letter-error.js';
export { discardDeadLetters, listDeadLetters } from './dead-letters/dead-letter-store.js';
export { formatDeadLetters, formatRetryOutcomes, retrySettled } from './dead-letters/format-dead-letters.js';
export { retryDeadLetters, RetryOutcomeKind, type RetryOutcome } from './dead-letters/retry-dead-letters.js';
