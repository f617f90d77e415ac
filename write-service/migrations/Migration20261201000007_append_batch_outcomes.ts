import { Migration } from '@mikro-orm/migrations';
import { Migration20261130000005AppendBatchLocks } from './Migration20261130000005_append_batch_locks.js';

/**
 * `append_batch(requests jsonb) returns jsonb`: one outcome object per request, in order, instead
 * of `constraint<TAB>detail` strings. The function tells the refusals apart by the step that
 * failed (it knows whether it was writing the idempotency record, the n-th unique key or the
 * events), so the caller reads a code and never parses a message:
 *   {"outcome": "appended"}
 *   {"outcome": "stream_version_taken"}                  another append holds the version
 *   {"outcome": "idempotency_key_taken"}                 another request holds the key
 *   {"outcome": "unique_key_taken", "uniqueKey": n}      the request's n-th reservation (from 0) is held
 *   {"outcome": "failed", "sqlstate": "...", "message": "..."}
 * The lock phase of migration 5 and the stream order of migration 3 are kept as they were.
 */
export class Migration20261201000007AppendBatchOutcomes extends Migration {
  override up(): void {
    // The return type changes, so the function is dropped and created (in the migration's transaction).
    this.addSql('drop function if exists append_batch(jsonb)');
    this.addSql(`
      create function append_batch(requests jsonb) returns jsonb language plpgsql as $$
      declare
        request jsonb;
        position integer;
        lock_key integer;
        unique_key jsonb;
        outcomes jsonb[] := array_fill(null::jsonb, array[jsonb_array_length(requests)]);
        step text;
        key_index integer;
        failed_constraint text;
        failed_message text;
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
            step := 'idempotency';
            if request->'idempotency' is not null then
              insert into idempotency_keys (tenant, key, command, request_hash, aggregate_id, version, last_event_id)
                select r.tenant, r.key, r.command, r.request_hash, r.aggregate_id, r.version, r.last_event_id
                  from jsonb_to_record(request->'idempotency') as r(tenant text, key text, command text, request_hash text, aggregate_id text, version integer, last_event_id uuid);
            end if;
            step := 'unique_key';
            key_index := 0;
            for unique_key in select value from jsonb_array_elements(coalesce(request->'uniqueKeys', '[]'::jsonb)) loop
              insert into unique_keys (tenant, scope, value, stream_id)
                values (unique_key->>'tenant', unique_key->>'scope', unique_key->>'value', unique_key->>'stream_id');
              key_index := key_index + 1;
            end loop;
            step := 'events';
            insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
              select r."eventId", r.tenant, r."aggregateType", r."aggregateId", r.version, r.type, r."schemaVersion", r.data, r.metadata, r."occurredAt"
                from jsonb_to_recordset(request->'events') as r("eventId" uuid, tenant text, "aggregateType" text, "aggregateId" text, version integer, type text, "schemaVersion" integer, data jsonb, metadata jsonb, "occurredAt" timestamptz);
            insert into outbox (event_id, subject, payload)
              select (e->>'eventId')::uuid, request->>'subject', e from jsonb_array_elements(request->'events') as e;
            outcomes[position] := '{"outcome": "appended"}';
            appended := appended + 1;
          exception
            when unique_violation then
              -- Variables keep the values they had when the error was raised: step and key_index say what failed.
              get stacked diagnostics failed_constraint = constraint_name, failed_message = message_text;
              outcomes[position] := case
                when step = 'idempotency' then '{"outcome": "idempotency_key_taken"}'
                when step = 'unique_key' then jsonb_build_object('outcome', 'unique_key_taken', 'uniqueKey', key_index)
                when failed_constraint = 'events_stream_version' then '{"outcome": "stream_version_taken"}'
                else jsonb_build_object('outcome', 'failed', 'sqlstate', sqlstate, 'message', failed_message)
              end;
            when others then
              get stacked diagnostics failed_message = message_text;
              outcomes[position] := jsonb_build_object('outcome', 'failed', 'sqlstate', sqlstate, 'message', failed_message);
          end;
        end loop;
        if appended > 0 then perform pg_notify('outbox', ''); end if;
        return to_jsonb(outcomes);
      end $$`);
  }

  override down(): void {
    // Back to migration 5's function, which answers text[].
    this.addSql('drop function if exists append_batch(jsonb)');
    const previous = new Migration20261130000005AppendBatchLocks(this.driver, this.config);
    previous.up();
    for (const sql of previous.getQueries()) this.addSql(sql);
  }
}
