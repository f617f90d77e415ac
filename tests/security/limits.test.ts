import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Client } from 'graphql-ws';
import { createProduct } from '../support/catalog.js';
import { gql, wsClient, type GraphQLResponse } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

/** A small response cap, so that introspection is over it without a large catalog. */
const RESPONSE_MAX_BYTES = 5_000;
const NODE_FIELDS =
  'id sku title description category price currency availableQuantity inStock discontinued reviewCount averageRating version updatedAt';
const aliases = (count: number, field: (i: number) => string) => Array.from({ length: count }, (_, i) => field(i)).join('\n');

type Transport = 'HTTP' | 'WebSocket';

/** One operation over WebSocket, its answer as over HTTP (data and errors). */
function overWebSocket(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  return new Promise((resolve) => {
    let result: GraphQLResponse = {};
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          result = value as GraphQLResponse;
        },
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
        complete: () => resolve(result),
      },
    );
  });
}

describe('security - query limits, on HTTP and WebSocket alike', () => {
  let system: TestSystem;
  let nc: NatsConnection;
  let client: Client;
  let productId: string;
  /** Requests the gateway sent on the query subjects, seen by a plain subscription beside the read-service's queue group. */
  let queriesSeen = 0;
  /** Requests a normal query sends (measured once). */
  let probeQueries = 0;

  const ask = (transport: Transport, query: string, variables: Record<string, unknown> = {}) =>
    transport === 'HTTP' ? gql(system.graphqlUrl, query, variables) : overWebSocket(client, query, variables);

  const probe = async (transport: Transport) => {
    const answer = await ask(transport, 'query Probe($id: ID!) { product(id: $id) { id title } }', { id: productId });
    assert.deepEqual(answer.errors, undefined);
    assert.equal((answer.data as { product: { id: string } }).product.id, productId);
  };

  /**
   * Sends `query`, expects QUERY_TOO_COMPLEX on `limit` quickly, then a normal query, and checks
   * that only the normal query reached the read-service: the gateway publishes in order on one
   * connection, so once the probe's requests are seen, any the refused one sent would have been.
   */
  const refused = async (transport: Transport, limit: string, query: string, variables: Record<string, unknown> = {}) => {
    const before = queriesSeen;
    const started = performance.now();
    const answer = await ask(transport, query, variables);
    const elapsedMs = performance.now() - started;
    assert.equal(answer.data ?? undefined, undefined, 'no data');
    const error = answer.errors?.find((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX' && e.extensions.limit === limit);
    assert.ok(error, `QUERY_TOO_COMPLEX on ${limit}, got ${JSON.stringify(answer.errors)}`);
    assert.equal(typeof error.extensions?.max, 'number');
    assert.ok(elapsedMs < 1000, `refused at once (${Math.round(elapsedMs)} ms)`);
    await probe(transport);
    await waitFor(() => queriesSeen >= before + probeQueries, { what: 'the probe at the read-service' });
    await nc.flush();
    assert.equal(queriesSeen - before, probeQueries, 'nothing but the probe reached the read-service');
    return error.extensions as { limit: string; max: number; found?: number };
  };

  before(async () => {
    system = await TestSystem.start('limits', { VIEW_CACHE_SIZE: '0', RESPONSE_MAX_BYTES: String(RESPONSE_MAX_BYTES) });
    nc = await connect({ servers: system.config.natsUrl });
    nc.subscribe(`${system.config.namespace}.query.>`, {
      callback: () => {
        queriesSeen += 1;
      },
    });
    await nc.flush();
    productId = (await createProduct(system.graphqlUrl, { description: 'A sturdy mug' })).aggregateId;
    // The read model follows the command: the probe asks for the product once it is there.
    await waitFor(
      async () => {
        const answer = await gql(system.graphqlUrl, 'query($id: ID!) { product(id: $id) { id } }', { id: productId });
        return (answer.data as { product: { id: string } | null } | undefined)?.product;
      },
      { what: 'the product in its read model' },
    );
    client = wsClient(system.graphqlUrl);
    const before = queriesSeen;
    await probe('HTTP');
    await waitFor(() => queriesSeen > before, { what: 'the probe at the read-service' });
    await nc.flush();
    probeQueries = queriesSeen - before;
  });
  after(async () => {
    await client?.dispose();
    await nc?.close();
    await system?.stop();
  });

  for (const transport of ['HTTP', 'WebSocket'] as const) {
    describe(`over ${transport}`, () => {
      it('depth - eleven levels are refused, ten are answered', async () => {
        const nest = (levels: number) => `{ __type(name: "PageInfo") { ${'ofType { '.repeat(levels)}name${' }'.repeat(levels)} } }`;
        // __type is level 1, each ofType one more, and name the last: levels + 2.
        const over = await refused(transport, 'depth', nest(9));
        assert.deepEqual([over.max, over.found], [10, 11]);
        const within = await ask(transport, nest(8));
        assert.deepEqual(within.errors, undefined);
      });

      it('aliases - the 300- and 1,000-alias pages of products are refused before any request', async () => {
        for (const count of [300, 1000]) {
          const query = `{\n${aliases(count, (i) => `p${i}: products(first: 100) { edges { node { id title description price } } }`)}\n}`;
          await refused(transport, 'tokens', query);
        }
      });

      it('aliases - 31 aliases are refused even in a small document', async () => {
        const query = `{ products(first: 1) { edges { node { ${aliases(31, (i) => `a${i}: id`)} } } } }`;
        const over = await refused(transport, 'aliases', query);
        assert.deepEqual([over.max, over.found], [30, 31]);
      });

      it('root fields - 21 at the top are refused', async () => {
        const query = `{ ${aliases(21, (i) => `r${i}: product(id: "${productId}") { id }`)} }`;
        const over = await refused(transport, 'rootFields', query);
        assert.deepEqual([over.max, over.found], [20, 21]);
      });

      it('tokens - a document of more than 2,000 tokens is refused while parsing', async () => {
        const over = await refused(transport, 'tokens', `{ products(first: 1) { edges { node { ${'id '.repeat(2000)}} } } }`);
        assert.equal(over.max, 2000);
      });

      it('directives - eleven are refused', async () => {
        const query = `{ products(first: 1) { edges { node { id ${'@include(if: true) '.repeat(11)}} } } }`;
        const over = await refused(transport, 'directives', query);
        assert.deepEqual([over.max, over.found], [10, 11]);
      });

      it('cost - pages cost by their first, from the document or its variables', async () => {
        const query = `query Pages($n: Int) { ${aliases(13, (i) => `p${i}: products(first: $n) { edges { node { ${NODE_FIELDS} } } }`)} }`;
        // 13 x (1 + 100 x (1 + 1 + 14)) = 20,813 > 20,000
        const over = await refused(transport, 'cost', query, { n: 100 });
        assert.deepEqual([over.max, over.found], [20_000, 20_813]);
        const before = queriesSeen;
        const small = await ask(transport, query, { n: 10 }); // 13 x 161 = 2,093
        assert.deepEqual(small.errors, undefined);
        await waitFor(() => queriesSeen >= before + 13, { what: 'the thirteen pages at the read-service' });
      });

      it('cost - a consistency token costs a waiter: 20 tokened lookups and the 900-alias attack are refused', async () => {
        const lookups = (count: number, token: boolean) =>
          `{ ${aliases(count, (i) => `p${i}: product(id: "${productId}"${token ? ', consistencyToken: "ct1.999999999999"' : ''}) { id }`)} }`;
        // 20 x (1 + 1,000 + 1) = 20,040 > 20,000; without the token 20 x 2 = 40.
        const over = await refused(transport, 'cost', lookups(20, true));
        assert.equal(over.found, 20_040);
        const before = queriesSeen;
        const attacks = await Promise.all(Array.from({ length: 10 }, () => ask(transport, lookups(900, true))));
        for (const attack of attacks) assert.equal(attack.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
        await probe(transport);
        await waitFor(() => queriesSeen >= before + probeQueries, { what: 'the probe at the read-service' });
        await nc.flush();
        assert.equal(queriesSeen - before, probeQueries, 'none of the 9,000 waits reached the read-service');
        const plain = await ask(transport, lookups(20, false));
        assert.deepEqual(plain.errors, undefined);
      });

      it('response size - an answer over RESPONSE_MAX_BYTES becomes an error', async () => {
        const before = queriesSeen;
        const answer = await ask(transport, '{ __schema { types { name description fields { name description } } } }');
        assert.equal(answer.data ?? undefined, undefined);
        assert.equal(answer.errors?.length, 1);
        const extensions = answer.errors[0]!.extensions!;
        assert.deepEqual([extensions.code, extensions.limit, extensions.max], ['QUERY_TOO_COMPLEX', 'responseBytes', RESPONSE_MAX_BYTES]);
        assert.ok((extensions.found as number) > RESPONSE_MAX_BYTES);
        await probe(transport);
        await waitFor(() => queriesSeen >= before + probeQueries, { what: 'the probe' });
      });
    });
  }

  it('HTTP - a refusal is a 400 with a JSON body, before any request', async () => {
    const response = await fetch(system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: `{ products(first: 1) { edges { node { ${aliases(31, (i) => `a${i}: id`)} } } } }` }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as GraphQLResponse;
    assert.equal(body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
  });
});
