import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { quoteIdent } from '../../platform/postgres/index.js';
import type { Subjects } from '../../platform/index.js';
import type { EventEnvelope } from '../../schema/index.js';
import { streamRange } from '../../write-service/index.js';
import { APPLIED_VERSIONS_TABLE } from '../read-models/row-sql.js';
import { decodeEvent } from '../projection-engine/decode-event.js';
import type { ReadModel } from '../read-models/read-model.js';

export interface LaterVersionContext {
  tx: EntityManager;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  projection: ReadModel;
  /** The projection's checkpoint, locked: the stream up to it is what the projection has read. */
  checkpoint: number;
}

/**
 * Why applying `event` now would come after a later version of its aggregate, or undefined when
 * nothing later has reached the projection. Projections apply each aggregate's events in version
 * order (G2): a dead-lettered version retried after later ones either changes nothing (the
 * version guards refuse it) or changes a row that later versions have already moved past (an
 * update after them, a creation that they found missing). Either way only a rebuild puts the
 * view right. Looked for in three places:
 * - the guard of multi-stream views (projection_applied_versions) holds a later version;
 * - a row of a single-stream view (a table with tenant, id and version keyed by the aggregate's
 *   id) holds a later version;
 * - the stream holds a later version at or below the checkpoint that is not itself a dead letter
 *   of the projection (the projection read it, even where it changed nothing).
 */
export async function laterVersion(context: LaterVersionContext, event: EventEnvelope): Promise<string | undefined> {
  const { tx, projection } = context;
  const aggregate = `${event.aggregateType} ${event.aggregateId}`;
  const [guard] = await tx.execute<{ version: number }[]>(
    `select version from ${APPLIED_VERSIONS_TABLE} where projection = ? and tenant = ? and stream_type = ? and stream_id = ?`,
    [projection.name, event.tenant, event.aggregateType, event.aggregateId],
  );
  if (guard && guard.version > event.version) return `version ${guard.version} of ${aggregate} is applied (${APPLIED_VERSIONS_TABLE})`;

  for (const table of await versionedTables(tx, projection)) {
    const [row] = await tx.execute<{ version: number }[]>(`select version from ${quoteIdent(table)} where tenant = ? and id::text = ?`, [
      event.tenant,
      event.aggregateId,
    ]);
    if (row && row.version > event.version) return `${table} holds version ${row.version} of ${aggregate}`;
  }

  const later = await laterInStream(context, event);
  return later ? `version ${later.version} of ${aggregate} was read at stream sequence ${later.seq}` : undefined;
}

/** The projection's tables keyed by an aggregate's id with its version: the single-stream views. */
async function versionedTables(tx: EntityManager, projection: ReadModel): Promise<string[]> {
  const rows = await tx.execute<{ table_name: string }[]>(
    `select table_name from information_schema.columns
      where table_schema = current_schema() and table_name in (?) and column_name in ('tenant', 'id', 'version')
      group by table_name having count(*) = 3 order by table_name`,
    [[...projection.tables]],
  );
  return rows.map((row) => row.table_name);
}

async function laterInStream(context: LaterVersionContext, event: EventEnvelope): Promise<{ version: number; seq: number } | undefined> {
  const { js, jsm, subjects, tx, projection, checkpoint } = context;
  const subject = subjects.event(event.tenant, event.aggregateType, event.aggregateId);
  const last = await jsm.streams.getMessage(subjects.stream, { last_by_subj: subject }).catch(() => null);
  if (!last) return undefined;
  const lettered = new Set(
    (
      await tx.execute<{ event_id: string }[]>('select event_id from dead_letters where projection = ? and event_id is not null', [
        projection.name,
      ])
    ).map((row) => row.event_id),
  );
  for await (const msg of streamRange(js, subjects, 1, Math.min(checkpoint, last.seq), { subject, pull: 256 })) {
    const other = decodeEvent(msg.data);
    if (other && other.version > event.version && !lettered.has(other.eventId)) return { version: other.version, seq: msg.seq };
  }
  return undefined;
}
