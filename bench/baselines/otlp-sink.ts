/**
 * A trace collector that keeps nothing: accepts OTLP/HTTP exports (any protocol) on POST
 * /v1/traces, counts the bytes and answers 200, so that the benchmark's traced services pay for
 * making and exporting spans and not for a collector's work. GET /stats answers the counts so
 * far (`{"exports":N,"bytes":N}`). Prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let bytes = 0;
let exports = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ exports, bytes }));
    return;
  }
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    exports += 1;
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end();
  });
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => {
  process.stderr.write(`[otlp-sink] ${exports} exports, ${Math.round(bytes / 1024)} KiB\n`);
  process.exit(0);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
