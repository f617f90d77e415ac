import { Migration } from '@mikro-orm/migrations';

/** The event store, its outbox and the idempotency records. */
export class Migration20261126000001EventStore extends Migration {
  override up(): void {
    this.addSql(`
      create table events (
        global_position bigserial primary key,
        event_id uuid not null unique,
        tenant text not null,
        stream_type text not null,
        stream_id text not null,
        version integer not null check (version > 0),
        type text not null,
        schema_version integer not null default 1,
        data jsonb not null,
        metadata jsonb not null,
        occurred_at timestamptz not null,
        recorded_at timestamptz not null default now(),
        constraint events_stream_version unique (tenant, stream_type, stream_id, version)
      )`);
    this.addSql(`
      create table outbox (
        id bigserial primary key,
        event_id uuid not null unique,
        subject text not null,
        payload jsonb not null,
        created_at timestamptz not null default now(),
        published_at timestamptz,
        stream_seq bigint
      )`);
    this.addSql('create index outbox_unpublished on outbox (id) where published_at is null');
    this.addSql(`
      create table idempotency_keys (
        tenant text not null,
        key text not null,
        command text not null,
        request_hash text not null,
        aggregate_id text not null,
        version integer not null,
        last_event_id uuid not null,
        created_at timestamptz not null default now(),
        primary key (tenant, key)
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists idempotency_keys');
    this.addSql('drop table if exists outbox');
    this.addSql('drop table if exists events');
  }
}
