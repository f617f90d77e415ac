/**
 * Baseline: NATS request/reply with a queue-group responder answering a small JSON, `inFlight`
 * requests at a time for `durationS`: the floor of every gateway-to-service hop. Prints one JSON line.
 */
import { connect } from '@nats-io/transport-node';
import { summarize } from '../load/stats.js';

const { url, durationS, inFlight } = JSON.parse(process.argv[2] ?? '{}') as { url: string; durationS: number; inFlight: number };
const responder = await connect({ servers: url });
const requester = await connect({ servers: url });
const subject = `bench.echo.${process.pid}`;
const reply = new TextEncoder().encode(JSON.stringify({ ok: true, data: { id: 'x', title: 'Bench item', price: '9.99' } }));
responder.subscribe(subject, {
  queue: 'bench',
  callback: (_error, msg) => {
    msg.respond(reply);
  },
});
await responder.flush();
const latencies: number[] = [];
const end = performance.now() + durationS * 1000;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await requester.request(subject, '{"id":"x"}', { timeout: 5000 });
      latencies.push(performance.now() - t);
    }
  }),
);
process.stdout.write(`${JSON.stringify({ throughput: Math.round(latencies.length / durationS), latency: summarize(latencies) })}\n`);
await requester.close();
await responder.close();
