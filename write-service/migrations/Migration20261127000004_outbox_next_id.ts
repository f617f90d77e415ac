import { Migration } from '@mikro-orm/migrations';

/**
 * `outbox_next_id()`, the outbox id's default: takes the transaction's id before the row's
 * outbox id, so that a transaction holding an outbox id holds a transaction id below the ceiling
 * of any relay scan that can see a higher outbox id. The relay's floor
 * (write-service/outbox/published-floor.ts) relies on it to skip the published rows safely.
 */
export class Migration20261127000004OutboxNextId extends Migration {
  override up(): void {
    this.addSql(`
      create or replace function outbox_next_id() returns bigint language plpgsql as $$
      begin
        perform pg_current_xact_id();
        return nextval('outbox_id_seq');
      end $$`);
    this.addSql('alter table outbox alter column id set default outbox_next_id()');
  }

  override down(): void {
    this.addSql(`alter table outbox alter column id set default nextval('outbox_id_seq')`);
    this.addSql('drop function if exists outbox_next_id()');
  }
}
