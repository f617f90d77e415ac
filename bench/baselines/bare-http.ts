/** Baseline: a bare Node HTTP server answering the same JSON as product(id). Prints its port. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  data: {
    product: {
      id: '00000000-0000-4000-8000-000000000000',
      sku: 'BENCH-1',
      title: 'Bench item',
      price: '9.99',
      availableQuantity: 100,
      inStock: true,
      version: 1,
    },
  },
});
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
