import 'reflect-metadata';
import { printSchema, lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { authorizeSchema } from '../authorization/authorize-schema.js';
import { AnalyticsResolver } from './analytics-resolver.js';
import { CatalogResolver } from './catalog-resolver.js';
import { CustomerResolver } from './customer-resolver.js';
import { OrderLineResolver, OrderResolver } from './order-resolver.js';
import { ProjectionsResolver } from './projections-resolver.js';
import { ReviewResolver } from './review-resolver.js';
import { WishlistItemResolver, WishlistResolver } from './wishlist-resolver.js';

/** The gateway's executable schema, built from the type-graphql classes beside it, behind the authorization policy. */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  // Subscriptions bring their own source streams (view changes from NATS); type-graphql still
  // insists on a PubSub, so it gets an unused one.
  const schema = await buildSchema({
    resolvers: [
      CatalogResolver,
      CustomerResolver,
      OrderResolver,
      OrderLineResolver,
      ReviewResolver,
      AnalyticsResolver,
      ProjectionsResolver,
      WishlistResolver,
      WishlistItemResolver,
    ],
    validate: false,
    pubSub: createPubSub(),
  });
  return authorizeSchema(schema);
}

/** The schema as committed in schema/schema.graphql (sorted, so that diffs stay readable). */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}
