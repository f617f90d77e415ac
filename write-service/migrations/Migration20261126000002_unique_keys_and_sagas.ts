import { Migration } from '@mikro-orm/migrations';

/** Unique-key reservations (e.g. a customer's email per tenant) and saga checkpoints. */
export class Migration20261126000002UniqueKeysAndSagas extends Migration {
  override up(): void {
    this.addSql(`
      create table unique_keys (
        tenant text not null,
        scope text not null,
        value text not null,
        stream_id text not null,
        created_at timestamptz not null default now(),
        constraint unique_keys_pkey primary key (tenant, scope, value)
      )`);
    this.addSql(`
      create table saga_checkpoints (
        saga text primary key,
        position bigint not null default 0,
        updated_at timestamptz
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists saga_checkpoints');
    this.addSql('drop table if exists unique_keys');
  }
}
