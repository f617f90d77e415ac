import type { JetStreamManager } from '@nats-io/jetstream';
import type { Subjects } from '../../platform/index.js';
import type { ProjectionStatus } from '../../schema/index.js';
import type { ReadModel } from '../read-models/read-model.js';
import type { QueryDefinition } from './query-definition.js';

/** Freshness of every read model: its position in the stream and how many events it trails by. */
export function projectionsQuery(
  models: readonly ReadModel[],
  jsm: JetStreamManager,
  subjects: Subjects,
): QueryDefinition<unknown, ProjectionStatus[]> {
  return {
    name: 'projections',
    reads: [],
    async handle(_args, { em }) {
      const [rows, stream] = await Promise.all([
        em.execute<{ projection: string; position: string; updated_at: Date | null }[]>(
          'select projection, position, updated_at from projection_checkpoints',
        ),
        jsm.streams.info(subjects.stream),
      ]);
      const lastSeq = stream.state.last_seq;
      const byName = new Map(rows.map((row) => [row.projection, row]));
      return models.map(({ name }) => {
        const row = byName.get(name);
        const position = Number(row?.position ?? 0);
        return {
          name,
          position: String(position),
          lag: Math.max(0, lastSeq - position),
          updatedAt: row?.updated_at ? new Date(row.updated_at).toISOString() : null,
        };
      });
    },
  };
}
