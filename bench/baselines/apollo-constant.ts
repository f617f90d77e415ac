/**
 * Baseline: Apollo Server 5 on Express 5, as the gateway runs it, answering product(id) with a
 * constant in memory: the cost of Apollo's own pipeline. Prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';

const typeDefs = `type Product { id: ID! sku: String! title: String! price: String! availableQuantity: Int! inStock: Boolean! version: Int! }
type Query { product(id: ID!): Product }`;
const product = { sku: 'BENCH-1', title: 'Bench item', price: '9.99', availableQuantity: 100, inStock: true, version: 1 };
const apollo = new ApolloServer({
  typeDefs,
  resolvers: { Query: { product: (_: unknown, { id }: { id: string }) => ({ id, ...product }) } },
  plugins: [ApolloServerPluginLandingPageDisabled()],
});
await apollo.start();
const app = express();
app.use('/graphql', express.json(), expressMiddleware(apollo));
const server = http.createServer(app);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
