import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ReadModel } from '../../read-service/read-models/read-model.js';

/**
 * A projection that is NOT idempotent by itself: it counts how often it saw each event (in
 * `event_counts`, which the test creates), so that anything but 1 per event is a loss or a double.
 */
export const countingProjection: ReadModel<EventEnvelope> = {
  name: 'counting',
  tables: ['event_counts'],
  eventTypes: new Set(['ProductCreated', 'ProductRestocked']),
  toChanges: (event) => [event],
  async writeOne(tx, event) {
    await tx.execute(
      'insert into event_counts (event_id, n) values (?, 1) on conflict (event_id) do update set n = event_counts.n + 1',
      [event.eventId],
      'run',
    );
    return [];
  },
};

/** The table countingProjection writes. */
export const EVENT_COUNTS_TABLE = 'create table event_counts (event_id text primary key, n integer not null)';
