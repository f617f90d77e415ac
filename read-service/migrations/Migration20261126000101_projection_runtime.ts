import { Migration } from '@mikro-orm/migrations';

/** What every projection needs: its checkpoint and its dead letters. */
export class Migration20261126000101ProjectionRuntime extends Migration {
  override up(): void {
    this.addSql(`
      create table projection_checkpoints (
        projection text primary key,
        position bigint not null default 0,
        updated_at timestamptz
      )`);
    this.addSql(`
      create table dead_letters (
        id bigserial primary key,
        projection text not null,
        stream_seq bigint not null,
        event_id text,
        event_type text,
        tenant text,
        payload text not null,
        error text not null,
        attempts integer not null,
        created_at timestamptz not null default now(),
        retried_at timestamptz,
        unique (projection, stream_seq)
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists dead_letters');
    this.addSql('drop table if exists projection_checkpoints');
  }
}
