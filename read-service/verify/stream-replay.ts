import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import pg from 'pg';
import type { Orm } from '../../platform/postgres/index.js';
import type { Subjects } from '../../platform/index.js';
import { applyRun } from '../projection-engine/apply-run.js';
import { decodeEvent } from '../projection-engine/decode-event.js';
import type { ReadModel } from '../read-models/read-model.js';
import { ScratchSchema, type TableDifference } from './scratch-schema.js';

export interface StreamReplayReport {
  positions: Record<string, number>;
  eventsReplayed: number;
  differences: TableDifference[];
}

/**
 * Replays the event stream (not the event store) into scratch tables, each projection up to its
 * checkpoint and without its dead letters, and compares them with the live tables. It checks that
 * the live tables are what the projections make of the stream, so it cannot see what the stream
 * itself got wrong: an event the stream lost, or one it holds out of version order, is replayed
 * exactly as the live runner applied it. `npm run verify` folds the event store instead
 * (verifyProjections); this stays for systems without a write side, such as tests that publish
 * straight to the stream.
 */
export async function replayStreamAndCompare(options: {
  orm: Orm;
  databaseUrl: string;
  js: JetStreamClient;
  subjects: Subjects;
  projections: readonly ReadModel[];
  sample?: number;
}): Promise<StreamReplayReport> {
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  let scratch: ScratchSchema | undefined;
  try {
    scratch = await ScratchSchema.create(admin, options.projections);
    const { positions, deadLetters } = await scratch.snapshotLive();
    const dead = new Set(deadLetters.map((letter) => `${letter.projection}:${letter.streamSeq}`));
    const until = Math.max(0, ...options.projections.map((p) => positions[p.name] ?? 0));
    const eventsReplayed = until === 0 ? 0 : await replay(options, scratch, until, positions, dead);
    return { positions, eventsReplayed, differences: await scratch.compare(options.sample ?? 20) };
  } finally {
    await scratch?.drop().catch(() => undefined);
    await admin.end();
  }
}

async function replay(
  options: { orm: Orm; js: JetStreamClient; subjects: Subjects; projections: readonly ReadModel[] },
  scratch: ScratchSchema,
  until: number,
  positions: Record<string, number>,
  dead: Set<string>,
): Promise<number> {
  const consumer = await options.js.consumers.get(options.subjects.stream, { filter_subjects: options.subjects.eventsWildcard });
  const messages = await consumer.consume({ max_messages: 1000 });
  let batch: JsMsg[] = [];
  let replayed = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch.map((msg) => ({ seq: msg.seq, event: decodeEvent(msg.data) }));
    batch = [];
    await scratch.inScratch(options.orm, async (tx) => {
      for (const model of options.projections) {
        // Without what the live runner dead-lettered, nor messages that are not events (dead letters too).
        const share = items.filter(({ seq, event }) => event && seq <= (positions[model.name] ?? 0) && !dead.has(`${model.name}:${seq}`));
        await applyRun(tx, model, share, { setBasedFrom: Infinity, announce: false });
      }
    });
    replayed += items.length;
  };
  for await (const msg of messages) {
    if (msg.seq <= until) batch.push(msg);
    if (batch.length >= 500) await flush();
    if (msg.seq >= until || msg.info.pending === 0) break; // pending 0: the message at `until` was deleted
  }
  await flush();
  messages.stop();
  return replayed;
}
