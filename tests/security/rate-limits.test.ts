import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { OperationTypeNode } from 'graphql';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startRateLimits } from '../../gateway/rate-limit/index.js';
import { Metrics } from '../../platform/metrics.js';
import { CREATE_PRODUCT, productInput } from '../support/catalog.js';
import { wsClient } from '../support/graphql-client.js';
import { sample } from '../support/prometheus.js';
import { TestSystem } from '../support/system.js';
import { signToken } from '../support/tokens.js';
import { waitFor } from '../support/wait.js';
import { countEvents } from '../support/write-db.js';

const SECRET = 'rate-limit-test-secret-rate-limit-test-secret';
/** Small limits, in a window long enough that no test sees it reset: a token has 4 mutations or 20 queries, a tenant twice that. */
const LIMITS = {
  RATE_LIMIT: 'on',
  RATE_LIMIT_WINDOW_S: '60',
  RATE_LIMIT_TOKEN_POINTS: '20',
  RATE_LIMIT_TENANT_POINTS: '40',
  RATE_LIMIT_QUERY_COST: '1',
  RATE_LIMIT_MUTATION_COST: '5',
};
const TYPENAME = '{ __typename }';

interface HttpAnswer {
  status: number;
  retryAfter: string | null;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
}

async function post(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as HttpAnswer['body'] };
}

const createProduct = (url: string, token: string) => post(url, token, CREATE_PRODUCT, { input: productInput() });
const tenantName = () => `rl-${randomUUID().slice(0, 8)}`;
const token = (tenant: string, sub = 'user-1') => signToken(SECRET, { sub, tenant, roles: ['admin'] });
const codeOf = (answer: HttpAnswer) => answer.body.errors?.[0]?.extensions?.code as string | undefined;
const productsCreated = (system: TestSystem, tenant: string) =>
  countEvents(system.config, "tenant = $1 and type = 'ProductCreated'", [tenant]);

function assertRateLimited(answer: HttpAnswer): void {
  assert.equal(answer.status, 429);
  assert.equal(codeOf(answer), 'RATE_LIMITED', JSON.stringify(answer.body));
  const retryAfter = answer.body.errors?.[0]?.extensions?.retryAfter as number;
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retryAfter ${retryAfter}`);
  assert.equal(answer.retryAfter, String(retryAfter), 'the Retry-After header says the same');
  assert.equal(answer.body.data ?? null, null, 'nothing executed');
}

/** Deletes the Redis keys under `prefix` (each test's own). */
async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

describe('rate limits', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('ratelimits', { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, METRICS_PORT: '0', ...LIMITS });
  });
  after(async () => {
    await system?.stop();
    if (system) await deleteKeys(system.config.rateLimit!.keyPrefix);
  });

  it('token - mutations past its points answer RATE_LIMITED with retryAfter, 429 and Retry-After, and never reach the write-service', async () => {
    const tenant = tenantName();
    const bearer = await token(tenant);
    const answers: HttpAnswer[] = [];
    for (let i = 0; i < 7; i += 1) answers.push(await createProduct(system.graphqlUrl, bearer));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 429, 429, 429],
    );
    for (const refused of answers.slice(4)) assertRateLimited(refused);
    assert.equal(await productsCreated(system, tenant), 4, 'only the four served mutations appended events');
    // A query costs fewer points, but the token has none left in this window either.
    assertRateLimited(await post(system.graphqlUrl, bearer, TYPENAME));
    // Refused before its body is read: a body that would not even parse answers 429, not 400.
    const unread = await fetch(system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: '{"query": ',
    });
    assert.equal(unread.status, 429);
    assert.equal(unread.headers.get('retry-after') !== null, true);
    assert.equal(((await unread.json()) as HttpAnswer['body']).errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    // Another token of the same tenant is not refused early: its body is read (and found malformed).
    const other = await fetch(system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(tenant, 'user-2')}` },
      body: '{"query": ',
    });
    assert.equal(other.status, 400);
    assert.ok((await sample(system.readyInfo('gateway').metrics as string, 'cqrs_rate_limited_total', { scope: 'token' })) >= 4);
  });

  it("tenant - once a tenant's points are spent its other tokens are refused, while another tenant is served", async () => {
    const tenant = tenantName();
    for (const sub of ['first', 'second']) {
      const bearer = await token(tenant, sub);
      for (let i = 0; i < 4; i += 1) assert.equal(codeOf(await createProduct(system.graphqlUrl, bearer)), undefined);
    }
    const third = await createProduct(system.graphqlUrl, await token(tenant, 'third'));
    assertRateLimited(third);
    assert.match(third.body.errors![0]!.message, /tenant/);
    assert.equal(await productsCreated(system, tenant), 8);

    const other = tenantName();
    assert.equal(codeOf(await createProduct(system.graphqlUrl, await token(other))), undefined);
    assert.equal(await productsCreated(system, other), 1);
  });

  it('WebSocket - operations spend the same points, and one past the limit gets the same RATE_LIMITED error', async () => {
    const bearer = await token(tenantName());
    const client = wsClient(system.graphqlUrl, { authorization: `Bearer ${bearer}` });
    const run = (query: string) =>
      new Promise<{ data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>((resolve) => {
        let result: { data?: unknown } = {};
        client.subscribe(
          { query },
          {
            next: (value) => {
              result = value;
            },
            error: (errors) => resolve({ errors: errors as { message: string; extensions?: Record<string, unknown> }[] }),
            complete: () => resolve(result),
          },
        );
      });
    try {
      for (let i = 0; i < 20; i += 1) assert.deepEqual(await run(TYPENAME), { data: { __typename: 'Query' } });
      const refused = await run(TYPENAME);
      assert.equal(refused.errors?.[0]?.extensions?.code, 'RATE_LIMITED', JSON.stringify(refused));
      const retryAfter = refused.errors?.[0]?.extensions?.retryAfter as number;
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60);
      // The socket and HTTP share the token's count.
      assertRateLimited(await post(system.graphqlUrl, bearer, TYPENAME));
    } finally {
      await client.dispose();
    }
  });

  it('replicas - two gateways spend the same points through Redis: the limit holds across both', async () => {
    await system.startService('gateway', 'gateway#2');
    try {
      const urls = [system.graphqlUrl, (system.readyInfo('gateway#2').url as string).replace(/\/graphql$/, '') + '/graphql'];
      assert.notEqual(urls[0], urls[1]);
      const bearer = await token(tenantName());
      const statuses: number[][] = [[], []];
      for (let i = 0; i < 30; i += 1) statuses[i % 2]!.push((await post(urls[i % 2]!, bearer, TYPENAME)).status);
      // 20 points for the token in all: 10 served by each, then both refuse (alone, each would serve 20).
      for (const seen of statuses) assert.deepEqual(seen, [...Array<number>(10).fill(200), ...Array<number>(5).fill(429)]);
    } finally {
      await system.stopService('gateway#2');
    }
  });

  it('fairness - while tenant A floods with thousands of operations, tenant B is answered at once, not RATE_LIMITED', async (t) => {
    const tenantA = tenantName();
    const floodTokens = await Promise.all(['a1', 'a2', 'a3'].map((sub) => token(tenantA, sub)));
    const tenantB = tenantName();
    const bearerB = await token(tenantB);
    const FLOOD = 3_000;
    const outcomes = new Map<string, number>();
    let sent = 0;
    let flooding = true;
    const started = performance.now();
    const flood = Promise.all(
      Array.from({ length: 48 }, async () => {
        while (sent < FLOOD) {
          const n = sent++;
          const bearer = floodTokens[n % floodTokens.length]!;
          const answer = n % 2 === 0 ? await createProduct(system.graphqlUrl, bearer) : await post(system.graphqlUrl, bearer, TYPENAME);
          const outcome = codeOf(answer) ?? 'ok';
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      }),
    ).finally(() => {
      flooding = false;
    });

    await waitFor(() => sent >= 300, { what: 'the flood to be under way' });
    // B's own 20 points: 10 queries and 2 mutations, each while A floods.
    const latencies: number[] = [];
    const query = '{ products(first: 5) { edges { node { id } } } }';
    for (let i = 0; i < 12; i += 1) {
      assert.ok(flooding, `tenant B's request ${i + 1} comes while A still floods`);
      const at = performance.now();
      const answer = i % 6 === 5 ? await createProduct(system.graphqlUrl, bearerB) : await post(system.graphqlUrl, bearerB, query);
      latencies.push(performance.now() - at);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
    }
    await flood;
    const floodSeconds = (performance.now() - started) / 1000;

    const served = outcomes.get('ok') ?? 0;
    assert.equal(served + (outcomes.get('RATE_LIMITED') ?? 0), FLOOD, JSON.stringify([...outcomes]));
    assert.ok(served <= 40, `tenant A was served at most its tenant's 40 points (served ${served})`);
    assert.ok((await productsCreated(system, tenantA)) <= 8);
    assert.ok(Math.max(...latencies) < 2_000, `tenant B answered within 2 s each (${latencies.map(Math.round).join(', ')} ms)`);
    const sorted = [...latencies].sort((a, b) => a - b);
    t.diagnostic(
      JSON.stringify({
        flood: FLOOD,
        floodSeconds: Number(floodSeconds.toFixed(2)),
        floodServed: served,
        tenantBRequests: latencies.length,
        tenantBMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
        tenantBMaxMs: Math.round(sorted.at(-1)!),
      }),
    );
  });
});

describe('rate limits without Redis', () => {
  const prefix = `t_rl_${randomUUID().slice(0, 8)}`;
  after(() => deleteKeys(prefix));

  it('Redis away - each gateway counts in its own memory: the limit still holds, a warning is logged and the metrics tell', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const metrics = new Metrics('gateway');
    const config = { windowSeconds: 60, tokenPoints: 3, tenantPoints: 100, queryCost: 1, mutationCost: 5, keyPrefix: prefix };
    // Port 1: nothing listens there.
    const limits = await startRateLimits(config, 'redis://127.0.0.1:1', logger, metrics);
    try {
      const principal = { tenant: 'acme', userId: 'u1', roles: [] };
      const refusals = [];
      for (let i = 0; i < 4; i += 1) refusals.push(await limits.check(principal, OperationTypeNode.QUERY));
      assert.deepEqual(
        refusals.map((r) => r?.code ?? 'ok'),
        ['ok', 'ok', 'ok', 'RATE_LIMITED'],
      );
      assert.ok(Number(refusals[3]?.details?.retryAfter) >= 1);
      const exposition = (await metrics.expose()).body;
      assert.match(exposition, /cqrs_rate_limit_store_up\{service="gateway"\} 0/);
      assert.match(exposition, /cqrs_rate_limit_insurance_total\{service="gateway"\} [1-9]/);
      const warnings = lines.filter((line) => line.includes('rate limits are counted in this gateway alone'));
      assert.equal(warnings.length, 1, 'one warning, not one per check or per reconnect attempt');
    } finally {
      await limits.stop();
    }
  });

  it('Redis shared - two limiters on the same prefix (two replicas) count together; another prefix counts apart', async () => {
    const logger = pino({ level: 'silent' });
    const config = { windowSeconds: 60, tokenPoints: 10, tenantPoints: 100, queryCost: 1, mutationCost: 5, keyPrefix: prefix };
    const replicas = await Promise.all([0, 1].map(() => startRateLimits(config, 'redis://127.0.0.1:6379', logger, new Metrics('gateway'))));
    const apart = await startRateLimits(
      { ...config, keyPrefix: `${prefix}-apart` },
      'redis://127.0.0.1:6379',
      logger,
      new Metrics('gateway'),
    );
    try {
      const principal = { tenant: 'acme', userId: 'shared', roles: [] };
      // A mutation costs 5 of the token's 10 points: one on each replica, then neither has any left.
      assert.equal(await replicas[0]!.check(principal, OperationTypeNode.MUTATION), undefined);
      assert.equal(await replicas[1]!.check(principal, OperationTypeNode.MUTATION), undefined);
      assert.equal((await replicas[0]!.check(principal, OperationTypeNode.QUERY))?.code, 'RATE_LIMITED');
      assert.equal((await replicas[1]!.check(principal, OperationTypeNode.QUERY))?.code, 'RATE_LIMITED');
      assert.equal(await apart.check(principal, OperationTypeNode.MUTATION), undefined);
    } finally {
      await Promise.all([...replicas, apart].map((limits) => limits.stop()));
      await deleteKeys(`${prefix}-apart`);
    }
  });
});
