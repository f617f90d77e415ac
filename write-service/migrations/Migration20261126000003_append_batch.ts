import { Migration } from '@mikro-orm/migrations';

/**
 * `append_batch(requests jsonb) returns text[]`: group commit for the event store. Appends
 * several commands' events, outbox rows, idempotency records and unique-key reservations in one
 * transaction, each in its own subtransaction (an exception block), so that one append's unique
 * violation (stream version, idempotency key, unique key) fails only that append. Returns one
 * outcome per request, in order: '' when appended, else `constraint<TAB>detail`, or
 * `error<TAB>message` for anything else. Notifies the relay once when anything was appended.
 */
export class Migration20261126000003AppendBatch extends Migration {
  override up(): void {
    this.addSql(`
      create or replace function append_batch(requests jsonb) returns text[] language plpgsql as $$
      declare
        request jsonb;
        outcomes text[] := '{}';
        failed_constraint text;
        failed_detail text;
        appended integer := 0;
      begin
        for request in select value from jsonb_array_elements(requests) loop
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
            outcomes := outcomes || ''::text;
            appended := appended + 1;
          exception
            when unique_violation then
              get stacked diagnostics failed_constraint = constraint_name, failed_detail = pg_exception_detail;
              outcomes := outcomes || (failed_constraint || E'\\t' || coalesce(failed_detail, ''));
            when others then
              get stacked diagnostics failed_detail = message_text;
              outcomes := outcomes || ('error' || E'\\t' || coalesce(failed_detail, sqlstate));
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
