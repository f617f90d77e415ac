import { Migration } from '@mikro-orm/migrations';

/**
 * `append_batch(requests jsonb) returns text[]`: group commit for the event store. Appends
 * several commands' events, outbox rows, idempotency records and unique-key reservations in one
 * transaction, each in its own subtransaction (an exception block), so that one append's unique
 * violation (stream version, idempotency key, unique key) fails only that append. Appends run in
 * stream order, so that concurrent batches take index entries in one order (no deadlock). Returns one
 * outcome per request, in order: '' when appended, else `constraint<TAB>detail`, or
 * `error<TAB>message` for anything else. Notifies the relay once when anything was appended.
 */
export class Migration20261126000003AppendBatch extends Migration {
  override up(): void {
    this.addSql(`
      create or replace function append_batch(requests jsonb) returns text[] language plpgsql as $$
      declare
        request jsonb;
        position integer;
        outcomes text[] := array_fill(null::text, array[jsonb_array_length(requests)]);
        failed_constraint text;
        failed_detail text;
        appended integer := 0;
      begin
        -- In stream order, whatever the order of arrival: two batches in flight then take the rows'
        -- index entries in one order and cannot deadlock (each victim waited deadlock_timeout).
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
    this.addSql('drop function if exists append_batch(jsonb)');
  }
}
