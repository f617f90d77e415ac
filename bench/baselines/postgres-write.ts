/**
 * Baseline: the write pattern of one command (an event row, its outbox row and an idempotency
 * row in one transaction) driven straight into PostgreSQL with `concurrency` connections, on a
 * scratch database with the event store's own tables. Prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { summarize } from '../load/stats.js';

const { url, durationS, concurrency } = JSON.parse(process.argv[2] ?? '{}') as { url: string; durationS: number; concurrency: number };
const pool = new pg.Pool({ connectionString: url, max: concurrency });
const latencies: number[] = [];
const end = performance.now() + durationS * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async (_, worker) => {
    const client = await pool.connect();
    try {
      for (let i = 0; performance.now() < end; i += 1) {
        const t = performance.now();
        const eventId = randomUUID();
        const stream = randomUUID();
        const payload = JSON.stringify({ productId: stream, quantity: 1, restockedAt: new Date().toISOString() });
        await client.query('begin');
        await client.query(
          `insert into idempotency_keys (tenant, key, command, request_hash, aggregate_id, version, last_event_id) values ($1, $2, 'restockProduct', 'h', $3, 1, $4)`,
          ['bench', `k-${worker}-${i}-${eventId}`, stream, eventId],
        );
        await client.query(
          `insert into events (event_id, tenant, stream_type, stream_id, version, type, data, metadata, occurred_at) values ($1, 'bench', 'Product', $2, 1, 'ProductRestocked', $3, '{}', now())`,
          [eventId, stream, payload],
        );
        await client.query(`insert into outbox (event_id, subject, payload) values ($1, 'bench', $2)`, [eventId, payload]);
        await client.query('commit');
        latencies.push(performance.now() - t);
      }
    } finally {
      client.release();
    }
  }),
);
await pool.end();
process.stdout.write(`${JSON.stringify({ throughput: Math.round(latencies.length / durationS), latency: summarize(latencies) })}\n`);
