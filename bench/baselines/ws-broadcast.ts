/**
 * Baseline for live views: the least a server can do to push view changes over WebSocket. It
 * speaks just enough graphql-transport-ws for the bench's subscriber workers (ack, then a first
 * value with version 0), listens to the same view notices as the gateway, and on each sends one
 * pre-serialized message to every socket watching that product: no GraphQL, no per-subscriber
 * work but the write. Argument: `{"natsUrl", "viewSubject"}`; prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ViewChange } from '../../schema/index.js';

const { natsUrl, viewSubject } = JSON.parse(process.argv[2] ?? '{}') as { natsUrl: string; viewSubject: string };
const watchers = new Map<string, Set<WebSocket>>();
const next = (data: unknown) => `{"id":"1","type":"next","payload":${JSON.stringify({ data })}}`;

const nc = await connect({ servers: natsUrl });
nc.subscribe(viewSubject, {
  callback: (_error, msg) => {
    const change = msg.json<ViewChange<{ id: string; availableQuantity: number; version: number }>>();
    const sockets = watchers.get(change.key);
    if (!sockets) return;
    const message = next({
      productUpdated: { id: change.data.id, availableQuantity: change.data.availableQuantity, version: change.data.version },
    });
    for (const socket of sockets) socket.send(message);
  },
});

const server = http.createServer();
const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  let watching: string | undefined;
  socket.on('message', (raw) => {
    const message = JSON.parse(text(raw)) as { type: string; payload?: { variables?: { id?: string } } };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe' && message.payload?.variables?.id) {
      watching = message.payload.variables.id;
      let sockets = watchers.get(watching);
      if (!sockets) watchers.set(watching, (sockets = new Set()));
      sockets.add(socket);
      socket.send(next({ productUpdated: { id: watching, availableQuantity: 0, version: 0 } }));
    }
  });
  socket.on('close', () => {
    if (watching) watchers.get(watching)?.delete(socket);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));

/** A WebSocket message's text, whatever form `ws` hands it in. */
function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}
