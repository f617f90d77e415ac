import { defaultFieldResolver, isObjectType, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import { uuidKey } from '../subscriptions/view-hub.js';
import { argAt, argsFor, checkOwner, grantFor } from './field-grant.js';
import { fieldPolicy, ROOT_TYPES, type FieldGrant, type FieldRule } from './field-policy.js';
import { rememberPersonalReach } from './subscription-audience.js';

type Resolver = GraphQLFieldResolver<unknown, GatewayContext, Record<string, unknown>>;
type GuardedField = GraphQLField<unknown, GatewayContext, Record<string, unknown>>;

/**
 * Puts the gateway's policy (field-policy.ts) in front of every field it names: each root field
 * and each personal field of Customer is resolved (and each subscription subscribed) only after
 * its rule let the principal through, with the arguments the grant allows; a read order must be
 * the caller's. The resolvers themselves check nothing. Refuses to build a schema with a root
 * field that has no rule (closed by default), or a rule for a field the schema lacks.
 */
export function authorizeSchema(schema: GraphQLSchema): GraphQLSchema {
  for (const root of ROOT_TYPES) {
    const fields = Object.keys(rootType(schema, root)?.getFields() ?? {});
    const missing = fields.filter((name) => !fieldPolicy[root]?.[name]);
    if (missing.length > 0) {
      throw new Error(
        `no authorization rule for ${missing.map((name) => `${root}.${name}`).join(', ')} (gateway/authorization/field-policy.ts)`,
      );
    }
  }
  for (const [typeName, rules] of Object.entries(fieldPolicy)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`authorization rules for ${typeName}, which is not an object type of the schema`);
    const fields: Readonly<Record<string, GuardedField | undefined>> = type.getFields();
    for (const [fieldName, rule] of Object.entries(rules)) {
      const field = fields[fieldName];
      if (!field) throw new Error(`an authorization rule for ${typeName}.${fieldName}, which the schema does not have`);
      guard(field, typeName, rule);
    }
  }
  rememberPersonalReach(schema);
  return schema;
}

function guard(field: GuardedField, typeName: string, rule: FieldRule): void {
  const coordinate = `${typeName}.${field.name}`;
  const resolve: Resolver = field.resolve ?? defaultFieldResolver;
  if (!ROOT_TYPES.includes(typeName as (typeof ROOT_TYPES)[number])) {
    // A personal field: its parent must be the caller (or the caller may read everyone's).
    field.resolve = (source, args, ctx, info) => {
      checkOwner(grantFor(rule, ctx.principal, coordinate), (source as { id?: unknown }).id, ctx.principal);
      return resolve(source, args, ctx, info);
    };
    return;
  }
  // An order mutation by a customer goes on: only the write-service knows whose order it is.
  const readsOrder = (grant: FieldGrant) => grant.kind === 'ownOrder' && typeName !== 'Mutation';
  field.resolve = (source, args, ctx, info) => {
    const grant = grantFor(rule, ctx.principal, coordinate);
    const result = resolve(source, argsFor(grant, args, ctx.principal), ctx, info);
    if (!readsOrder(grant)) return result;
    return Promise.resolve(result).then((order) => {
      if (order) checkOwner(grant, (order as { customerId?: unknown }).customerId, ctx.principal, argOf(grant));
      return order;
    });
  };
  const subscribe = field.subscribe;
  if (subscribe) {
    field.subscribe = async (source, args, ctx, info) => {
      const grant = grantFor(rule, ctx.principal, coordinate);
      const allowed = argsFor(grant, args, ctx.principal);
      if (readsOrder(grant)) {
        // Refused at the start when the order exists and is another's; each value is checked again.
        const arg = argOf(grant);
        const order = await ctx.bus.query('order', { id: uuidKey(String(argAt(args, arg)), arg) }, ctx);
        if (order) checkOwner(grant, order.customerId, ctx.principal, arg);
      }
      return subscribe(source, allowed, ctx, info);
    };
  }
}

function argOf(grant: FieldGrant): string {
  return 'arg' in grant ? grant.arg : 'id';
}

function rootType(schema: GraphQLSchema, root: (typeof ROOT_TYPES)[number]) {
  return root === 'Query' ? schema.getQueryType() : root === 'Mutation' ? schema.getMutationType() : schema.getSubscriptionType();
}
