import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000001EventStore } from './Migration20261126000001_event_store.js';

/** Write database migrations, in order. */
export const writeMigrations: MigrationObject[] = [
  { name: 'Migration20261126000001_event_store', class: Migration20261126000001EventStore },
];
