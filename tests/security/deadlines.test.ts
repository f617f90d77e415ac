import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { DEADLINE_HEADER } from '../../platform/deadline.js';
import { encodeJson, request } from '../../platform/messaging.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';
import { AppError } from '../../schema/errors.js';
import { productInput } from '../support/catalog.js';
import { sealedToken } from '../support/consistency-tokens.js';
import { gql } from '../support/graphql-client.js';
import { sample } from '../support/prometheus.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { countEvents } from '../support/write-db.js';

/** A position the read models will not reach during the test. */
const FAR_AHEAD = encodeConsistencyToken(999_999_999_999);

describe('request deadlines', () => {
  let system: TestSystem;
  let nc: NatsConnection;
  let subjects: Subjects;
  const metricsOf = (service: 'read' | 'write') => system.readyInfo(service).metrics as string;
  const inFlight = (service: 'read' | 'write') => sample(metricsOf(service), 'cqrs_requests_in_flight');
  const expired = (service: 'read' | 'write') => sample(metricsOf(service), 'cqrs_requests_expired_total');
  const productQuery = (consistencyToken?: string) => ({
    tenant: 'deadline-test',
    correlationId: randomUUID(),
    args: { id: randomUUID() },
    ...(consistencyToken ? { consistencyToken } : {}),
  });
  /** A fresh query, without a token: answered at once by a read-service with nothing left to do. */
  async function assertAnsweredAtOnce(): Promise<void> {
    const started = performance.now();
    assert.equal(await request(nc, subjects.query('product'), productQuery(), { timeoutMs: 5_000, service: 'read-service' }), null);
    const ms = performance.now() - started;
    assert.ok(ms < 1_000, `a fresh query answered in ${Math.round(ms)} ms`);
  }

  before(async () => {
    // Consistency waits of a minute and a 800 ms request timeout: only the deadline can end the waits early.
    system = await TestSystem.start('deadlines', { METRICS_PORT: '0', CONSISTENCY_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '800' });
    nc = await connect({ servers: system.config.natsUrl });
    subjects = subjectsFor(system.config.namespace);
  });
  after(async () => {
    await nc?.close();
    await system?.stop();
  });

  it('read-service - 200 queries waiting on a token far ahead let go at their deadline: nothing left in flight, a fresh query answered at once', async (t) => {
    const pending = Array.from({ length: 200 }, () =>
      request(nc, subjects.query('product'), productQuery(FAR_AHEAD), { timeoutMs: 1_500, service: 'read-service' }).then(
        () => 'answered',
        (error: unknown) => (error instanceof AppError ? error.code : String(error)),
      ),
    );
    // They are all in the read-service, waiting.
    await waitFor(async () => (await inFlight('read')) >= 200, { timeoutMs: 1_400, what: 'the 200 waits to be in flight' });
    assert.deepEqual(new Set(await Promise.all(pending)), new Set(['SERVICE_UNAVAILABLE']));
    const gaveUp = performance.now();
    await waitFor(async () => (await inFlight('read')) === 0, { timeoutMs: 2_000, what: 'the read-service to let go of them' });
    t.diagnostic(`read-service idle ${Math.round(performance.now() - gaveUp)} ms after its callers gave up (consistency timeout: 60 s)`);
    await assertAnsweredAtOnce();
  });

  it('gateway - product(id) with a token far ahead answers SERVICE_UNAVAILABLE at REQUEST_TIMEOUT_MS, and the read-service lets go of it', async () => {
    const query = 'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id } }';
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        gql(`${system.url}/graphql`, query, { id: randomUUID(), t: sealedToken(system.config, 999_999_999_999) }),
      ),
    );
    const ms = performance.now() - started;
    assert.deepEqual(new Set(answers.map((a) => a.errors?.[0]?.extensions?.code)), new Set(['SERVICE_UNAVAILABLE']));
    assert.ok(ms < 5_000, `answered in ${Math.round(ms)} ms, not after the 60 s consistency timeout`);
    await waitFor(async () => (await inFlight('read')) === 0, { timeoutMs: 2_000, what: 'the read-service to let go of them' });
    await assertAnsweredAtOnce();
  });

  it('read-service - a query whose deadline has passed on arrival is dropped unstarted and unanswered', async () => {
    const before = await expired('read');
    const hdrs = natsHeaders();
    hdrs.set(DEADLINE_HEADER, String(Date.now() - 1_000));
    await assert.rejects(nc.request(subjects.query('product'), encodeJson(productQuery()), { timeout: 500, headers: hdrs }));
    await waitFor(async () => (await expired('read')) === before + 1, { what: 'the expired request to be counted' });
    assert.equal(await inFlight('read'), 0);
  });

  it('write-service - a command whose deadline has passed appends nothing; the same command in time is appended', async () => {
    const tenant = `dl-${randomUUID().slice(0, 8)}`;
    const command = { tenant, userId: 'deadline-test', roles: ['admin'], correlationId: randomUUID(), input: productInput() };
    const before = await expired('write');
    const hdrs = natsHeaders();
    hdrs.set(DEADLINE_HEADER, String(Date.now() - 1));
    await assert.rejects(nc.request(subjects.command('createProduct'), encodeJson(command), { timeout: 500, headers: hdrs }));
    await waitFor(async () => (await expired('write')) === before + 1, { what: 'the expired command to be counted' });
    assert.equal(await countEvents(system.config, 'tenant = $1', [tenant]), 0, 'nothing appended');

    const result = await request<{ aggregateId: string }>(nc, subjects.command('createProduct'), command, {
      timeoutMs: 5_000,
      service: 'write-service',
    });
    assert.ok(result.aggregateId);
    assert.equal(await countEvents(system.config, 'tenant = $1', [tenant]), 1, 'the same message in time is handled');
  });

  it('write-service - a command queued behind its aggregate past its deadline is dropped at its turn: nothing appended', async () => {
    const tenant = `dlq-${randomUUID().slice(0, 8)}`;
    const caller = { tenant, userId: 'deadline-test', roles: ['admin'] };
    const created = await request<{ aggregateId: string }>(
      nc,
      subjects.command('createProduct'),
      { ...caller, correlationId: randomUUID(), input: productInput() },
      { timeoutMs: 5_000, service: 'write-service' },
    );
    const price = (value: string) => ({ ...caller, correlationId: randomUUID(), input: { id: created.aggregateId, price: value } });
    const before = await expired('write');
    // The events table locked: the first price change holds its aggregate's queue, the second waits behind it.
    const lock = new pg.Client({ connectionString: system.config.writeDatabaseUrl });
    await lock.connect();
    try {
      await lock.query('begin');
      await lock.query('lock table events in access exclusive mode');
      const first = request(nc, subjects.command('changeProductPrice'), price('11.00'), { timeoutMs: 10_000, service: 'write-service' });
      const second = request(nc, subjects.command('changeProductPrice'), price('12.00'), { timeoutMs: 400, service: 'write-service' }).then(
        () => 'answered',
        (error: unknown) => (error instanceof AppError ? error.code : String(error)),
      );
      assert.equal(await second, 'SERVICE_UNAVAILABLE', 'the caller stopped waiting');
      await lock.query('commit');
      await first;
    } finally {
      await lock.end();
    }
    await waitFor(async () => (await expired('write')) === before + 1, { what: 'the queued command to be dropped at its turn' });
    assert.equal(await countEvents(system.config, 'tenant = $1', [tenant]), 2, 'the product and the first price change only');
  });
});
