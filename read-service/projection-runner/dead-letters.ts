import type { EntityManager } from '@mikro-orm/postgresql';

export interface DeadLetter {
  projection: string;
  streamSeq: number;
  eventId: string | undefined;
  eventType: string | undefined;
  tenant: string | undefined;
  payload: string;
  error: string;
  attempts: number;
}

/** Records an event a projection could not apply, in the transaction that moves past it. */
export async function recordDeadLetter(tx: EntityManager, letter: DeadLetter): Promise<void> {
  await tx.execute(
    `insert into dead_letters (projection, stream_seq, event_id, event_type, tenant, payload, error, attempts)
     values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (projection, stream_seq) do nothing`,
    [
      letter.projection,
      letter.streamSeq,
      letter.eventId ?? null,
      letter.eventType ?? null,
      letter.tenant ?? null,
      letter.payload,
      letter.error,
      letter.attempts,
    ],
    'run',
  );
}
