/**
 * Baseline: PostGraphile (v5 release candidate, the newest that runs on Node 20: see
 * docs/benchmarks.md) over the project's read tables, with its Amber preset and nothing tuned:
 * what a team could put in front of the same tables without writing resolvers. Argument:
 * `{"databaseUrl": "...", "schemas": ["public", ...]}`. Prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const { databaseUrl, schemas } = JSON.parse(process.argv[2] ?? '{}') as { databaseUrl: string; schemas?: string[] };
if (!databaseUrl) throw new Error('usage: server.js \'{"databaseUrl":"postgres://...","schemas":["public"]}\'');

// This release console.dir()s the whole introspection event of each type it cannot map (here the
// tsvector column, which it then leaves out) before warning on stderr: keep stdout for the port.
const dir = console.dir;
console.dir = () => undefined;
const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  // The same pool size as the project's services (platform/database.ts).
  pgServices: [makePgService({ connectionString: databaseUrl, schemas: schemas ?? ['public'], poolConfig: { max: 8 } })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false, websockets: false },
});
const serv = pgl.createServ(grafserv);
const server = http.createServer();
server.on('error', (error) => {
  process.stderr.write(`postgraphile baseline: ${String(error)}\n`);
});
await serv.addTo(server);
// Build the schema now (introspection), not on the first request.
await pgl.getSchema();
console.dir = dir;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));

process.once('SIGTERM', () => {
  server.close();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
});
