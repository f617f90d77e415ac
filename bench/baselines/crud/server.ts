/**
 * Baseline: what a team would otherwise write, a plain CRUD GraphQL service on the same stack
 * (Apollo Server 5 on Express 5, MikroORM 6 over normalized tables, no events), serving the
 * operations the bench sends. Argument: `{"databaseUrl": "..."}`, a database that exists (the
 * harness creates and drops it); the tables are created at start. Prints its port.
 */
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import express from 'express';
import { ENTITIES } from './entities.js';
import { createContext, formatError, resolvers, type CrudContext } from './resolvers.js';
import { typeDefs } from './schema.js';

const { databaseUrl } = JSON.parse(process.argv[2] ?? '{}') as { databaseUrl: string };
if (!databaseUrl) throw new Error('usage: server.js \'{"databaseUrl":"postgres://..."}\'');

// The same pool size as the project's services (platform/database.ts).
const orm = await MikroORM.init<PostgreSqlDriver>({
  driver: PostgreSqlDriver,
  clientUrl: databaseUrl,
  entities: ENTITIES,
  pool: { min: 1, max: 8 },
  debug: false,
  ensureDatabase: false,
});
await orm.schema.createSchema();

const app = express();
app.disable('x-powered-by');
const httpServer = http.createServer(app);
const apollo = new ApolloServer<CrudContext>({
  typeDefs,
  resolvers,
  formatError,
  includeStacktraceInErrorResponses: false,
  stopOnTerminationSignals: false,
  plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
});
await apollo.start();
app.use('/graphql', express.json({ limit: '100kb' }), expressMiddleware(apollo, { context: async () => createContext(orm.em) }));

httpServer.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (httpServer.address() as AddressInfo).port })}\n`));

process.once('SIGTERM', () => {
  void (async () => {
    await apollo.stop();
    await orm.close();
    process.exit(0);
  })();
});
