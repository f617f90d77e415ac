import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000001EventStore } from './Migration20261126000001_event_store.js';
import { Migration20261126000002UniqueKeysAndSagas } from './Migration20261126000002_unique_keys_and_sagas.js';
import { Migration20261126000003AppendBatch } from './Migration20261126000003_append_batch.js';
import { Migration20261127000004OutboxNextId } from './Migration20261127000004_outbox_next_id.js';
import { Migration20261130000005AppendBatchLocks } from './Migration20261130000005_append_batch_locks.js';
import { Migration20261130000006RetentionIndex } from './Migration20261130000006_retention_index.js';
import { Migration20261201000007AppendBatchOutcomes } from './Migration20261201000007_append_batch_outcomes.js';

/** Write database migrations, in order. */
export const writeMigrations: MigrationObject[] = [
  { name: 'Migration20261126000001_event_store', class: Migration20261126000001EventStore },
  { name: 'Migration20261126000002_unique_keys_and_sagas', class: Migration20261126000002UniqueKeysAndSagas },
  { name: 'Migration20261126000003_append_batch', class: Migration20261126000003AppendBatch },
  { name: 'Migration20261127000004_outbox_next_id', class: Migration20261127000004OutboxNextId },
  { name: 'Migration20261130000005_append_batch_locks', class: Migration20261130000005AppendBatchLocks },
  { name: 'Migration20261130000006_retention_index', class: Migration20261130000006RetentionIndex },
  { name: 'Migration20261201000007_append_batch_outcomes', class: Migration20261201000007AppendBatchOutcomes },
];
