import { Migration } from '@mikro-orm/migrations';
import { Migration20261126000003AppendBatch } from './Migration20261126000003_append_batch.js';

/**
 * `append_batch` takes a transaction-level advisory lock on every key a batch will write
 * before it writes anything, all in one order: each stream, idempotency key and unique-key
 * reservation of every append. Running appends in stream order (migration 3) only ordered the
 * event rows: two batches that held the same idempotency keys or emails in opposite orders (two
 * retried creations under new ids, two crossed registrations) waited on each other's
 * uncommitted rows, and PostgreSQL's deadlock detector failed one append after a second
 * (INTERNAL_SERVER_ERROR). Now the second batch waits at its first shared key until the first
 * commits, then meets the first's rows as ordinary unique violations (a replay, a CONFLICT, a
 * version race). Keys are hashed into the two-int advisory lock space under one class, which the
 * leader locks (one bigint each) never share; a hash collision only serializes two batches.
 */
export class Migration20261130000005AppendBatchLocks extends Migration {
  override up(): void {
    this.addSql(`
      create or replace function append_batch(requests jsonb) returns text[] language plpgsql as $$
      declare
        request jsonb;
        position integer;
        lock_key integer;
        outcomes text[] := array_fill(null::text, array[jsonb_array_length(requests)]);
        failed_constraint text;
        failed_detail text;
        appended integer := 0;
      begin
        for lock_key in
          select distinct hashtext(k) from (
            select 's' || chr(31) || (r->'events'->0->>'tenant') || chr(31) || (r->'events'->0->>'aggregateType') || chr(31) || (r->'events'->0->>'aggregateId')
              from jsonb_array_elements(requests) as r
            union all
            select 'i' || chr(31) || (r->'idempotency'->>'tenant') || chr(31) || (r->'idempotency'->>'key')
              from jsonb_array_elements(requests) as r where r->'idempotency' is not null
            union all
            select 'u' || chr(31) || (u->>'tenant') || chr(31) || (u->>'scope') || chr(31) || (u->>'value')
              from jsonb_array_elements(requests) as r, jsonb_array_elements(coalesce(r->'uniqueKeys', '[]'::jsonb)) as u
          ) as keys(k)
          order by 1
        loop
          perform pg_advisory_xact_lock(1095779666, lock_key);
        end loop;
        for request, position in
          select value, ordinality from jsonb_array_elements(requests) with ordinality
           order by value->'events'->0->>'tenant', value->'events'->0->>'aggregateType', value->'events'->0->>'aggregateId',
                    (value->'events'->0->>'version')::integer, ordinality
        loop
          begin
            if request->'idempotency' is not null then
              insert into idempotency_keys (tenant, key, command, request_hash, aggregate_id, version, last_event_id)
                select r.tenant, r.key, r.command, r.request_hash, r.aggregate_id, r.version, r.last_event_id
                  from jsonb_to_record(request->'idempotency') as r(tenant text, key text, command text, request_hash text, aggregate_id text, version integer, last_event_id uuid);
            end if;
            if request->'uniqueKeys' is not null then
              insert into unique_keys (tenant, scope, value, stream_id)
                select r.tenant, r.scope, r.value, r.stream_id
                  from jsonb_to_recordset(request->'uniqueKeys') as r(tenant text, scope text, value text, stream_id text);
            end if;
            insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
              select r."eventId", r.tenant, r."aggregateType", r."aggregateId", r.version, r.type, r."schemaVersion", r.data, r.metadata, r."occurredAt"
                from jsonb_to_recordset(request->'events') as r("eventId" uuid, tenant text, "aggregateType" text, "aggregateId" text, version integer, type text, "schemaVersion" integer, data jsonb, metadata jsonb, "occurredAt" timestamptz);
            insert into outbox (event_id, subject, payload)
              select (e->>'eventId')::uuid, request->>'subject', e from jsonb_array_elements(request->'events') as e;
            outcomes[position] := '';
            appended := appended + 1;
          exception
            when unique_violation then
              get stacked diagnostics failed_constraint = constraint_name, failed_detail = pg_exception_detail;
              outcomes[position] := (failed_constraint || E'\\t' || coalesce(failed_detail, ''));
            when others then
              get stacked diagnostics failed_detail = message_text;
              outcomes[position] := ('error' || E'\\t' || coalesce(failed_detail, sqlstate));
          end;
        end loop;
        if appended > 0 then perform pg_notify('outbox', ''); end if;
        return outcomes;
      end $$`);
  }

  override down(): void {
    // Back to migration 3's version, without the lock phase.
    const previous = new Migration20261126000003AppendBatch(this.driver, this.config);
    previous.up();
    for (const sql of previous.getQueries()) this.addSql(sql);
  }
}
