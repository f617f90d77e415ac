import type { JetStreamManager } from '@nats-io/jetstream';
import type pg from 'pg';
import type { Subjects } from '../../platform/index.js';
import { RepublishError } from './republish-error.js';

/**
 * Makes sure that what is published next lands above every position a consumer trusts, and
 * returns the sequence the stream was moved to, if it was.
 *
 * Consumers keep stream sequences: the projections' checkpoints, the saga's position, the outbox's
 * marks. A stream that lost its tail, or was recreated, hands those sequences out again, and a
 * consumer skips a message at or below its position (G3). An empty stream (recreated, or purged)
 * is moved past the highest trusted position by a purge up to that sequence, which removes
 * nothing; every message then reaches every consumer, and the projections' version guards apply
 * those they already have at most once. A stream that still holds messages cannot be moved
 * without removing them: refused (RepublishError STREAM_BEHIND).
 */
export async function guardSequences(
  client: pg.Client,
  jsm: JetStreamManager,
  subjects: Subjects,
  consumerPositions: readonly number[],
): Promise<number | undefined> {
  const own = await client.query<{ marked: string; saga: string }>(
    `select (select coalesce(max(stream_seq), 0) from outbox) as marked,
            (select coalesce(max(position), 0) from saga_checkpoints) as saga`,
  );
  const trusted = Math.max(Number(own.rows[0]!.marked), Number(own.rows[0]!.saga), ...consumerPositions);
  const { state } = await jsm.streams.info(subjects.stream);
  if (state.last_seq >= trusted) return undefined;
  if (state.messages > 0) throw RepublishError.streamBehind(subjects.stream, state.last_seq, trusted);
  await jsm.streams.purge(subjects.stream, { seq: trusted + 1 });
  return trusted + 1;
}
