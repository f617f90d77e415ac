import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, type GraphQLField, type GraphQLResolveInfo } from 'graphql';
import { buildGatewaySchema } from '../../gateway/index.js';
import type { Principal } from '../../gateway/auth.js';
import { authorizeSchema } from '../../gateway/authorization/authorize-schema.js';
import { grantFor } from '../../gateway/authorization/field-grant.js';
import { fieldPolicy } from '../../gateway/authorization/field-policy.js';
import type { Bus } from '../../gateway/bus.js';
import { createContext, type GatewayContext } from '../../gateway/context.js';
import type { ViewHub } from '../../gateway/subscriptions/view-hub.js';
import { AppError, ErrorCode } from '../../schema/index.js';
import { commandGrant } from '../../write-service/authorization/authorize-command.js';
import { clientCommands } from '../../write-service/index.js';

/**
 * The policy as a spec: who may use every field of the schema's Query, Mutation and
 * Subscription (and Customer's personal fields). `all`: as asked; `self`: only naming its own
 * customer id; `ownOrder`: only its own order; `own`: only its own record; `-`: FORBIDDEN.
 * A field the schema gains without a line here fails the walk; so does a policy that changes
 * without this spec changing with it.
 */
type Decision = 'all' | 'self' | 'ownOrder' | 'own' | '-';
const WHO = ['customer', 'staff', 'admin', 'nobody'] as const;
type Who = (typeof WHO)[number];
const row = (customer: Decision, staff: Decision, admin: Decision, nobody: Decision): Record<Who, Decision> => ({
  customer,
  staff,
  admin,
  nobody,
});

const CATALOG = row('all', 'all', 'all', 'all');
const STAFF = row('-', 'all', 'all', '-');
const READ_OWN = (grant: Decision) => row(grant, 'all', 'all', '-');
const ACT_AS_SELF = (grant: Decision) => row(grant, '-', 'all', '-');

const SPEC: Record<string, Record<string, Record<Who, Decision>>> = {
  Query: {
    product: CATALOG,
    products: CATALOG,
    topProducts: STAFF,
    salesByRegion: STAFF,
    projections: STAFF,
    customer: READ_OWN('self'),
    order: READ_OWN('ownOrder'),
    orders: READ_OWN('self'),
    wishlist: READ_OWN('self'),
  },
  Mutation: {
    createProduct: STAFF,
    renameProduct: STAFF,
    changeProductPrice: STAFF,
    restockProduct: STAFF,
    discontinueProduct: STAFF,
    registerCustomer: ACT_AS_SELF('self'),
    placeOrder: ACT_AS_SELF('self'),
    payOrder: ACT_AS_SELF('ownOrder'),
    shipOrder: STAFF,
    cancelOrder: ACT_AS_SELF('ownOrder'),
    addReview: ACT_AS_SELF('self'),
    addToWishlist: ACT_AS_SELF('self'),
    removeFromWishlist: ACT_AS_SELF('self'),
  },
  Subscription: {
    productUpdated: CATALOG,
    salesUpdated: STAFF,
    customerUpdated: READ_OWN('self'),
    orderUpdated: READ_OWN('ownOrder'),
  },
  Customer: {
    email: READ_OWN('own'),
    totalSpent: READ_OWN('own'),
    ordersCount: READ_OWN('own'),
    lastOrderAt: READ_OWN('own'),
  },
};

const OWN_ID = randomUUID();
const OTHER_ID = randomUUID();
const PRINCIPALS: Record<Who, Principal> = {
  customer: { userId: OWN_ID, tenant: 'shop', roles: ['customer'] },
  staff: { userId: 'staff-1', tenant: 'shop', roles: ['staff'] },
  admin: { userId: 'admin-1', tenant: 'shop', roles: ['admin'] },
  nobody: { userId: 'someone', tenant: 'shop', roles: ['user'] },
};
const WRITE_SIDE: Record<string, Decision> = { any: 'all', asSelf: 'self', ownOrder: 'ownOrder' };

/** What a field's resolver sent to the services, through a recording bus and view hub. */
class Calls {
  readonly sent: { kind: string; name: string; args: unknown }[] = [];
  answers: Record<string, unknown> = { orders: { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 } };
  context(principal: Principal): GatewayContext {
    const bus = {
      query: async (name: string, args: unknown) => {
        this.sent.push({ kind: 'query', name, args });
        return this.answers[name] ?? (name.endsWith('ByIds') ? [] : null);
      },
      command: async (name: string, args: unknown) => {
        this.sent.push({ kind: 'command', name, args });
        return { aggregateId: OWN_ID, version: 1, consistencyToken: 'ct1.1', correlationId: 'c', replayed: false };
      },
    } as unknown as Bus;
    const views = {
      listen: async (_tenant: string, view: string) => {
        this.sent.push({ kind: 'listen', name: view, args: undefined });
        return () => undefined;
      },
    } as unknown as ViewHub;
    return createContext(principal, 'correlation', { bus, views, caches: {} });
  }
}

type AnyField = GraphQLField<unknown, GatewayContext, Record<string, unknown>>;
const INFO = {} as GraphQLResolveInfo;

/** Runs a field as graphql-js would: its subscribe for a subscription, else its resolve. */
async function run(typeName: string, field: AnyField, ctx: GatewayContext, args: Record<string, unknown>, source: unknown = undefined) {
  const call = typeName === 'Subscription' ? field.subscribe : field.resolve;
  assert.ok(call, `${typeName}.${field.name} has a ${typeName === 'Subscription' ? 'subscribe' : 'resolve'}`);
  return call(source, args, ctx, INFO);
}

async function refused(promise: () => Promise<unknown>, field?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `an AppError, not ${String(error)}`);
    assert.equal(error.code, ErrorCode.FORBIDDEN);
    assert.equal(error.field, field);
    return true;
  });
}

/** Arguments naming `id` at a dotted path (`input.customerId`). */
function naming(path: string, id: string): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  return { [head!]: rest.length === 0 ? id : naming(rest.join('.'), id) };
}

describe('authorization - the policy tables against every field of the schema and every role', () => {
  let schema: GraphQLSchema;
  before(async () => {
    schema = await buildGatewaySchema();
  });

  const typeOf = (name: string) => schema.getType(name) as GraphQLObjectType;

  it('every Query, Mutation and Subscription field of the built schema is in the spec and in the policy, and nothing else is', () => {
    for (const root of ['Query', 'Mutation', 'Subscription']) {
      const fields = Object.keys(typeOf(root).getFields()).sort();
      assert.deepEqual(Object.keys(SPEC[root]!).sort(), fields, `the spec of ${root}`);
      assert.deepEqual(Object.keys(fieldPolicy[root]!).sort(), fields, `the gateway's policy of ${root}`);
    }
    assert.deepEqual(Object.keys(fieldPolicy).sort(), Object.keys(SPEC).sort());
  });

  it("the gateway's table gives every role what the spec says, on every field", () => {
    for (const [typeName, fields] of Object.entries(SPEC)) {
      for (const [fieldName, expected] of Object.entries(fields)) {
        for (const who of WHO) {
          let decision: Decision;
          try {
            decision = grantFor(fieldPolicy[typeName]![fieldName]!, PRINCIPALS[who], fieldName).kind;
          } catch (error) {
            assert.ok(error instanceof AppError && error.code === ErrorCode.FORBIDDEN);
            decision = '-';
          }
          assert.equal(decision, expected[who], `${typeName}.${fieldName} for ${who}`);
        }
      }
    }
  });

  it("the write-service's table decides every mutation as the gateway's does, and has no command the schema lacks", () => {
    const mutations = Object.keys(typeOf('Mutation').getFields()).sort();
    assert.deepEqual(clientCommands.map((entry) => entry.definition.name).sort(), mutations);
    for (const name of mutations) {
      for (const who of WHO) {
        let decision: Decision;
        try {
          decision = WRITE_SIDE[commandGrant(name, PRINCIPALS[who]).kind]!;
        } catch (error) {
          assert.ok(error instanceof AppError && error.code === ErrorCode.FORBIDDEN);
          decision = '-';
        }
        assert.equal(decision, SPEC.Mutation![name]![who], `write-service ${name} for ${who}`);
      }
    }
    // A caller whose message carries no roles (anything else on NATS) may send nothing.
    for (const name of mutations) assert.throws(() => commandGrant(name, { userId: OWN_ID, roles: [] }), { code: ErrorCode.FORBIDDEN });
  });

  it('every refused field is refused before anything is sent to a service, with FORBIDDEN', async () => {
    for (const [typeName, fields] of Object.entries(SPEC)) {
      for (const [fieldName, expected] of Object.entries(fields)) {
        const field = typeOf(typeName).getFields()[fieldName] as unknown as AnyField;
        for (const who of WHO) {
          if (expected[who] !== '-') continue;
          const calls = new Calls();
          const ctx = calls.context(PRINCIPALS[who]);
          if (typeName === 'Customer') await refused(async () => run(typeName, field, ctx, {}, { id: OTHER_ID, email: 'x@example.com' }));
          else await refused(async () => run(typeName, field, ctx, naming('input.id', OWN_ID)));
          assert.deepEqual(calls.sent, [], `${typeName}.${fieldName} for ${who} sent nothing`);
        }
      }
    }
  });

  it("a customer naming another customer's id is refused naming the argument; naming its own goes through", async () => {
    for (const [typeName, fields] of Object.entries(SPEC)) {
      if (typeName === 'Customer') continue;
      for (const [fieldName, expected] of Object.entries(fields)) {
        if (expected.customer !== 'self') continue;
        const field = typeOf(typeName).getFields()[fieldName] as unknown as AnyField;
        const grant = fieldPolicy[typeName]![fieldName]!.customer;
        assert.ok(grant?.kind === 'self');
        const other = new Calls();
        await refused(async () => run(typeName, field, other.context(PRINCIPALS.customer), naming(grant.arg, OTHER_ID)), grant.arg);
        assert.deepEqual(other.sent, [], `${typeName}.${fieldName} naming another sent nothing`);
        const own = new Calls();
        await run(typeName, field, own.context(PRINCIPALS.customer), naming(grant.arg, OWN_ID.toUpperCase()));
        assert.ok(own.sent.length > 0, `${typeName}.${fieldName} naming its own id reached the services`);
      }
    }
  });

  it("a customer's orders are its own when it names no customer", async () => {
    const calls = new Calls();
    const field = typeOf('Query').getFields().orders as unknown as AnyField;
    await run('Query', field, calls.context(PRINCIPALS.customer), {});
    assert.equal((calls.sent[0]?.args as { customerId?: string }).customerId, OWN_ID);
  });

  it("another customer's order is FORBIDDEN to read or watch; its own is read; an order mutation goes on to the write-service", async () => {
    const order = typeOf('Query').getFields().order as unknown as AnyField;
    const watch = typeOf('Subscription').getFields().orderUpdated as unknown as AnyField;
    const theirs = new Calls();
    theirs.answers.order = { id: OTHER_ID, customerId: OTHER_ID, lines: [] };
    await refused(async () => run('Query', order, theirs.context(PRINCIPALS.customer), { id: OTHER_ID }), 'id');
    await refused(async () => run('Subscription', watch, theirs.context(PRINCIPALS.customer), { id: OTHER_ID }), 'id');
    assert.ok(!theirs.sent.some((call) => call.kind === 'listen'), 'never listened');
    // Each watched value is checked too (the order did not exist yet when the watch began).
    await refused(async () => run('Query', watch, theirs.context(PRINCIPALS.customer), { id: OTHER_ID }, theirs.answers.order), 'id');

    const mine = new Calls();
    mine.answers.order = { id: OTHER_ID, customerId: OWN_ID, lines: [] };
    assert.deepEqual(await run('Query', order, mine.context(PRINCIPALS.customer), { id: OTHER_ID }), mine.answers.order);

    for (const name of ['payOrder', 'cancelOrder']) {
      const calls = new Calls();
      const mutation = typeOf('Mutation').getFields()[name] as unknown as AnyField;
      await run('Mutation', mutation, calls.context(PRINCIPALS.customer), { input: { id: OTHER_ID, amount: '1.00' } });
      assert.deepEqual(
        calls.sent.map((call) => call.name),
        [name],
      );
    }
  });

  it("a Customer's personal fields answer only to itself, staff and admin", async () => {
    const customer = typeOf('Customer');
    const record = {
      id: OWN_ID,
      name: 'Ada',
      email: 'ada@example.com',
      region: 'north',
      ordersCount: 2,
      totalSpent: '10.00',
      lastOrderAt: null,
    };
    for (const name of Object.keys(SPEC.Customer!)) {
      const field = customer.getFields()[name] as unknown as AnyField;
      const value = record[name as keyof typeof record];
      for (const who of ['customer', 'staff', 'admin'] as const) {
        assert.equal(await run('Customer', field, new Calls().context(PRINCIPALS[who]), {}, record), value, `${name} for ${who}`);
      }
      await refused(async () => run('Customer', field, new Calls().context(PRINCIPALS.customer), {}, { ...record, id: OTHER_ID }));
    }
  });

  it('a schema with a root field that has no rule does not build', () => {
    const query = new GraphQLObjectType({ name: 'Query', fields: { product: { type: GraphQLString }, secrets: { type: GraphQLString } } });
    assert.throws(() => authorizeSchema(new GraphQLSchema({ query })), /no authorization rule for Query\.secrets/);
  });
});
