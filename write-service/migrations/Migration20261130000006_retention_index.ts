import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency records by age, for the retention (write-service/retention): it deletes the oldest
 * first without reading the whole table. Outbox rows need none: the retention walks their ids.
 */
export class Migration20261130000006RetentionIndex extends Migration {
  override up(): void {
    this.addSql('create index idempotency_keys_created_at on idempotency_keys (created_at)');
  }

  override down(): void {
    this.addSql('drop index if exists idempotency_keys_created_at');
  }
}
