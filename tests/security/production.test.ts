import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createProduct } from '../support/catalog.js';
import { gql, gqlData } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { signToken } from '../support/tokens.js';

const SECRET = 'production-security-secret-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789-0123456789';
const PRODUCTION = { NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: SECRET };
const SEALED = /^ct2\.[A-Za-z0-9_-]{48}$/;

const get = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, text: await response.text() };
};

describe('security - production settings: explorer, metrics, what a tenant learns of the others', () => {
  let system: TestSystem;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let nc: NatsConnection;
  let queries = 0;

  before(async () => {
    system = await TestSystem.start('production', PRODUCTION);
    alice = { authorization: `Bearer ${await signToken(SECRET, { sub: 'alice', tenant: 'tenant-a', roles: ['admin'] })}` };
    bob = { authorization: `Bearer ${await signToken(SECRET, { sub: 'bob', tenant: 'tenant-b', roles: ['admin'] })}` };
    nc = await connect({ servers: system.config.natsUrl });
    nc.subscribe(`${system.config.namespace}.query.>`, {
      callback: () => {
        queries += 1;
      },
    });
    await nc.flush();
  });
  after(async () => {
    await nc?.close();
    await system?.stop();
  });

  it('the explorer is off in production', async () => {
    assert.equal((await get(`${system.url}/explorer`)).status, 404);
    assert.equal(system.readyInfo('gateway').explorer, 'off');
  });

  it('/metrics is not served on the API port in production without METRICS_TOKEN or METRICS_PORT', async () => {
    const answer = await get(`${system.url}/metrics`);
    assert.equal(answer.status, 404);
    assert.doesNotMatch(answer.text, /cqrs_graphql_request_duration_seconds/);
  });

  it('consistency tokens are sealed: they hold no stream position and still give read-your-writes', async () => {
    const created = await createProduct(system.graphqlUrl, { title: 'Sealed' }, alice);
    assert.match(created.consistencyToken, SEALED);
    const read = 'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { title } }';
    const data = await gqlData<{ product: { title: string } | null }>(
      system.graphqlUrl,
      read,
      { id: created.aggregateId, t: created.consistencyToken },
      alice,
    );
    assert.equal(data.product?.title, 'Sealed');
  });

  it('a raw stream position (ct1), a forged or a tampered token is BAD_USER_INPUT at once, and never reaches the read-service', async () => {
    const created = await createProduct(system.graphqlUrl, {}, alice);
    const last = created.consistencyToken.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${created.consistencyToken.slice(0, -1)}${last}`;
    await nc.flush();
    queries = 0;
    for (const token of ['ct1.999999999999', 'ct1.1', `ct2.${'A'.repeat(48)}`, tampered, 'ct2.', 'ct2']) {
      const started = performance.now();
      const result = await gql(
        system.graphqlUrl,
        'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id } }',
        { id: created.aggregateId, t: token },
        alice,
      );
      assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${token}: ${JSON.stringify(result)}`);
      assert.equal(result.errors?.[0]?.extensions?.field, 'consistencyToken');
      assert.ok(performance.now() - started < 1000, 'refused at once, not after a consistency wait');
    }
    await nc.flush();
    assert.equal(queries, 0, 'a refused token reached the read-service');
  });

  it("projections show a sealed position and only whether each read model is behind, never the system's event count", async () => {
    // Bob writes a few events; what Alice sees of projections does not count them.
    for (let i = 0; i < 3; i += 1) await createProduct(system.graphqlUrl, {}, bob);
    const { projections } = await gqlData<{ projections: { name: string; position: string; lag: number }[] }>(
      system.graphqlUrl,
      '{ projections { name position lag } }',
      {},
      alice,
    );
    assert.ok(projections.length > 0);
    for (const projection of projections) {
      assert.match(projection.position, SEALED, projection.name);
      assert.ok(projection.lag === 0 || projection.lag === 1, `${projection.name}: lag ${projection.lag}`);
    }
    // A sealed position is a token: reading with it waits for nothing.
    const token = projections[0]!.position;
    const data = await gqlData<{ products: { totalCount: number } }>(
      system.graphqlUrl,
      'query($t: String) { products(consistencyToken: $t) { totalCount } }',
      { t: token },
      alice,
    );
    assert.ok(data.products.totalCount >= 0);
  });
});

describe('security - production settings: EXPLORER=on and METRICS_TOKEN', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('prodtoken', { ...PRODUCTION, EXPLORER: 'on', METRICS_TOKEN }, ['gateway']);
  });
  after(async () => {
    await system?.stop();
  });

  it('the explorer is served when EXPLORER=on', async () => {
    assert.equal((await get(`${system.url}/explorer`)).status, 200);
  });

  it('/metrics requires the bearer METRICS_TOKEN', async () => {
    assert.equal((await get(`${system.url}/metrics`)).status, 401);
    assert.equal((await get(`${system.url}/metrics`, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get(`${system.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}x` })).status, 401);
    const answer = await get(`${system.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(answer.status, 200);
    assert.match(answer.text, /process_cpu_user_seconds_total/);
  });
});

describe('security - production settings: METRICS_PORT', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('prodport', { ...PRODUCTION, METRICS_PORT: '0' }, ['gateway']);
  });
  after(async () => {
    await system?.stop();
  });

  it('metrics are on their own port, and not on the API port', async () => {
    const metricsUrl = system.readyInfo('gateway').metrics as string;
    assert.ok(!metricsUrl.startsWith(system.url), metricsUrl);
    assert.equal((await get(metricsUrl)).status, 200);
    assert.equal((await get(`${system.url}/metrics`)).status, 404);
  });
});
