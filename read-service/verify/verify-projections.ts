import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import type { Orm } from '../../platform/postgres/index.js';
import type { Subjects } from '../../platform/index.js';
import { auditStream } from '../../write-service/index.js';
import type { ReadModel } from '../read-models/read-model.js';
import { foldEventStore } from './event-store-fold.js';
import { waitForPublication } from './publication-wait.js';
import { ScratchSchema } from './scratch-schema.js';
import type { VerifyReport } from './verify-report.js';

export interface VerifyOptions {
  /** The read database (live tables, checkpoints, dead letters; the scratch schema goes there too). */
  orm: Orm;
  readDatabaseUrl: string;
  /** The write database: the event store, the source of truth, and the outbox. */
  writeDatabaseUrl: string;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  projections: readonly ReadModel[];
  /** Rows shown per differing table (default 20). */
  sample?: number;
  /** How long to wait for the relay to mark events published before reporting them unpublished (default 10 s). */
  publicationWaitMs?: number;
  /** Fold with the read models' set-based writers (faster; see FoldOptions.setBased). */
  setBased?: boolean;
}

/**
 * Checks every read model against the event store (DESIGN.md §5; decisions 14 and the verify
 * entry after it), while the system keeps running:
 * 1. copies the live tables, checkpoints and dead letters in one snapshot (scratch schema);
 * 2. waits, bounded, until the relay has marked every event committed by then with its stream
 *    sequence (it publishes before it marks), reporting those it never marks;
 * 3. folds the event store in global order through each read model event by event (or, when asked,
 *    set-based) into the scratch tables, each projection only the events at or
 *    below its checkpoint and not dead-lettered;
 * 4. compares the two row by row;
 * 5. checks the stream against the outbox (lost, replaced, out of order, behind);
 * 6. lists the dead letters: open ones are events missing from a read model, discarded ones are
 *    reported apart.
 */
export async function verifyProjections(options: VerifyOptions): Promise<VerifyReport> {
  const names = new Set(options.projections.map((p) => p.name));
  const read = new pg.Client({ connectionString: options.readDatabaseUrl });
  const write = new pg.Client({ connectionString: options.writeDatabaseUrl });
  await read.connect();
  let scratch: ScratchSchema | undefined;
  try {
    await write.connect();
    scratch = await ScratchSchema.create(read, options.projections);
    const snapshot = await scratch.snapshotLive();
    const positions = Object.fromEntries(options.projections.map((p) => [p.name, snapshot.positions[p.name] ?? 0]));
    const letters = snapshot.deadLetters.filter((letter) => names.has(letter.projection));

    const unpublished = await waitForPublication(write, options.publicationWaitMs ?? 10_000);
    const skip = new Map<string, Set<string>>();
    for (const letter of letters) {
      if (letter.eventId) skip.set(letter.projection, (skip.get(letter.projection) ?? new Set()).add(letter.eventId));
    }
    const fold = await foldEventStore({
      orm: options.orm,
      writeClient: write,
      scratch,
      projections: options.projections,
      positions,
      skip,
      setBased: options.setBased ?? false,
    });
    const differences = await scratch.compare(options.sample ?? 20);
    const stream = await auditStream({ client: write, js: options.js, jsm: options.jsm, subjects: options.subjects });
    return {
      positions,
      eventsFolded: fold.eventsRead,
      differences,
      foldFailures: fold.failures,
      unpublished,
      stream,
      deadLetters: letters.filter((letter) => !letter.discarded),
      discarded: letters.filter((letter) => letter.discarded),
    };
  } finally {
    await scratch?.drop().catch(() => undefined);
    await read.end();
    await write.end().catch(() => undefined);
  }
}
