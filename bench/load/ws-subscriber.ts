/**
 * A subscriber worker for the live-views scenario, run as its own process: opens one WebSocket
 * per subscriber (the graphql-transport-ws protocol, written out by hand so that the client costs
 * little), each watching `productUpdated` of one product, and listens to the same products' view
 * notices on NATS to learn when each change was committed and announced. It prints
 * `{"ready":n}` once every subscriber has its current view, then, after `finish` on stdin, waits
 * until every subscriber has the last announced version (or a deadline), and prints its figures.
 */
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import WebSocket, { type RawData } from 'ws';
import type { ViewChange } from '../../schema/index.js';

export interface SubscriberSpec {
  wsUrl: string;
  natsUrl: string;
  /** The view subject of every product of the tenant: `<ns>.view.<tenant>.product.*`. */
  viewSubject: string;
  /** The products watched: subscriber j (from `first`, `count` of them) watches productIds[j % length]. */
  productIds: string[];
  first: number;
  count: number;
}

export interface SubscriberResult {
  subscribers: number;
  /** Announce (projection commit) -> pushed to the subscriber, ms, one per delivered change. */
  latencies: number[];
  delivered: number;
  /** Changes announced after a subscriber's current view that it never received. */
  lost: number;
  /** Changes received with a version lower than one received before. */
  reordered: number;
  duplicates: number;
  errors: string[];
}

const WATCH = 'subscription($id: ID!) { productUpdated(id: $id) { id availableQuantity version } }';
const spec = JSON.parse(process.argv[2] ?? '{}') as SubscriberSpec;
const now = () => performance.timeOrigin + performance.now();

/** When each (product, version) was announced, as seen here. */
const announced = new Map<string, Map<number, number>>();
const nc = await connect({ servers: spec.natsUrl });
nc.subscribe(spec.viewSubject, {
  callback: (_error, msg) => {
    const change = msg.json<ViewChange<{ version: number }>>();
    let versions = announced.get(change.key);
    if (!versions) announced.set(change.key, (versions = new Map<number, number>()));
    if (!versions.has(change.data.version)) versions.set(change.data.version, now());
  },
});
await nc.flush();

interface Subscriber {
  productId: string;
  received: number[];
  receivedAt: number[];
}
const subscribers: Subscriber[] = Array.from({ length: spec.count }, (_, i) => ({
  productId: spec.productIds[(spec.first + i) % spec.productIds.length]!,
  received: [],
  receivedAt: [],
}));
const errors: string[] = [];
const sockets: WebSocket[] = [];

function open(subscriber: Subscriber): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(spec.wsUrl, 'graphql-transport-ws');
    sockets.push(socket);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('error', reject);
    socket.on('close', (code) => {
      if (subscriber.received.length === 0) reject(new Error(`closed with ${code} before the first value`));
    });
    socket.on('message', (data) => {
      const at = now();
      const message = JSON.parse(text(data)) as {
        type: string;
        payload?: { data?: { productUpdated: { version: number } }; errors?: unknown };
      };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: WATCH, variables: { id: subscriber.productId } } }));
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next' && message.payload?.data) {
        subscriber.received.push(message.payload.data.productUpdated.version);
        subscriber.receivedAt.push(at);
        if (subscriber.received.length === 1) resolve();
      } else if (message.type === 'error' || message.payload?.errors) {
        if (errors.length < 5) errors.push(JSON.stringify(message.payload));
        reject(new Error(JSON.stringify(message.payload)));
      }
    });
  });
}

// Connect in waves, so as not to overflow the server's accept backlog.
for (let i = 0; i < subscribers.length; i += 250) await Promise.all(subscribers.slice(i, i + 250).map(open));
process.stdout.write(`${JSON.stringify({ ready: subscribers.length })}\n`);

await new Promise<void>((resolve) =>
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'finish') resolve();
  }),
);

/** The last version announced for a product. */
const lastAnnounced = (productId: string) => Math.max(0, ...(announced.get(productId)?.keys() ?? []));
const caughtUp = () => subscribers.every((s) => (s.received.at(-1) ?? 0) >= lastAnnounced(s.productId));
for (const deadline = Date.now() + 15_000; !caughtUp() && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 100));

const latencies: number[] = [];
let delivered = 0;
let lost = 0;
let reordered = 0;
let duplicates = 0;
for (const s of subscribers) {
  const versions = announced.get(s.productId) ?? new Map<number, number>();
  const first = s.received[0] ?? 0;
  const seen = new Set<number>();
  for (let i = 1; i < s.received.length; i += 1) {
    const version = s.received[i]!;
    if (seen.has(version)) duplicates += 1;
    if (version < s.received[i - 1]!) reordered += 1;
    seen.add(version);
    delivered += 1;
    const at = versions.get(version);
    if (at !== undefined) latencies.push(Math.max(0, s.receivedAt[i]! - at));
  }
  for (const version of versions.keys()) if (version > first && !seen.has(version)) lost += 1;
}
for (const socket of sockets) socket.terminate();
await nc.close();
const result: SubscriberResult = {
  subscribers: subscribers.length,
  latencies: latencies.map((l) => Math.round(l * 100) / 100),
  delivered,
  lost,
  reordered,
  duplicates,
  errors,
};
// Exit once the line is out: a result of 10,000s of latencies is larger than a pipe holds, and
// on Node 24 an exit right after the write cut it short.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));

/** A WebSocket message's text, whatever form `ws` hands it in. */
function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}
