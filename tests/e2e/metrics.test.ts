import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readModels } from '../../read-service/index.js';
import { createProduct } from '../support/catalog.js';
import { gql, gqlData, SubscriptionRecorder, wsClient } from '../support/graphql-client.js';
import { sample, samples } from '../support/prometheus.js';
import { TestSystem, type ServiceName } from '../support/system.js';
import { waitFor } from '../support/wait.js';

/** The metrics address a service printed in its ready line. */
function metricsUrl(system: TestSystem, service: ServiceName): string {
  return system.readyInfo(service).metrics as string;
}

/** The one sample of `name` (with `labels`) at `url`; fails when there is none, or more than one. */
async function only(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = await samples(url, name, labels);
  assert.equal(values.length, 1, `one sample of ${name}${JSON.stringify(labels)} at ${url}, got ${JSON.stringify(values)}`);
  return values[0]!;
}

/** Publishes a message that is no event at all: every projection records it as a dead letter. */
async function publishNonEvent(system: TestSystem): Promise<void> {
  const nc = await connect({ servers: system.config.natsUrl });
  try {
    await jetstream(nc).publish(`${system.config.namespace}.events.acme.Product.${crypto.randomUUID()}`, 'not an event');
  } finally {
    await nc.close();
  }
}

const WATCH = 'subscription($id: ID!, $token: String) { productUpdated(id: $id, consistencyToken: $token) { id title version } }';
const PRODUCT = 'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id title } }';

describe('Prometheus metrics', () => {
  let system: TestSystem;
  before(async () => {
    // Each service as by default, but for the write- and read-service's port (TestSystem: any free one).
    system = await TestSystem.start('metrics');
  });
  after(async () => {
    await system?.stop();
  });

  it('each service counts and times what it answers, by name and outcome', async () => {
    const write = metricsUrl(system, 'write');
    const read = metricsUrl(system, 'read');
    const gateway = metricsUrl(system, 'gateway');
    assert.notEqual(write, read);

    const created = await createProduct(system.graphqlUrl);
    await gql(system.graphqlUrl, 'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id } }', {
      id: created.aggregateId,
      t: created.consistencyToken,
    });
    const refused = await gql(system.graphqlUrl, 'mutation { restockProduct(input: { id: "not-a-uuid", quantity: 1 }) { version } }');
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const missing = await gql(system.graphqlUrl, 'mutation($id: ID!) { restockProduct(input: { id: $id, quantity: 1 }) { version } }', {
      id: crypto.randomUUID(),
    });
    assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');

    assert.equal(
      await sample(write, 'cqrs_command_processing_duration_seconds_count', {
        command: 'createProduct',
        outcome: 'ok',
        service: 'write-service',
      }),
      1,
    );
    assert.equal(
      await sample(write, 'cqrs_command_processing_duration_seconds_count', { command: 'restockProduct', outcome: 'NOT_FOUND' }),
      1,
    );
    assert.equal(
      await sample(read, 'cqrs_query_api_latency_seconds_count', { query: 'productsByIds', outcome: 'ok', service: 'read-service' }),
      1,
    );
    assert.equal(await sample(gateway, 'cqrs_graphql_request_duration_seconds_count', { operation: 'mutation', outcome: 'ok' }), 1);
    assert.equal(
      await sample(gateway, 'cqrs_graphql_request_duration_seconds_count', { operation: 'mutation', outcome: 'BAD_USER_INPUT' }),
      1,
    );
    assert.equal(await sample(gateway, 'cqrs_graphql_request_duration_seconds_count', { operation: 'query', outcome: 'ok' }), 1);
    assert.ok((await sample(write, 'process_resident_memory_bytes', { service: 'write-service' })) > 0, 'process defaults are there too');
  });

  it('the read-service counts each event a projection dead-letters, by projection (cqrs_eventbus_deadletter_total)', async () => {
    const read = metricsUrl(system, 'read');
    await publishNonEvent(system);
    for (const projection of ['product_view', 'order_view', 'customer_view', 'regional_sales', 'top_products']) {
      await waitFor(async () => (await sample(read, 'cqrs_eventbus_deadletter_total', { projection })) === 1, {
        what: `the dead letter of ${projection} to be counted`,
      });
    }
  });

  it('after a mutation, a query, a live subscription and a forced dead letter, every metric of issue 14 has samples', async () => {
    const write = metricsUrl(system, 'write');
    const read = metricsUrl(system, 'read');
    const gateway = metricsUrl(system, 'gateway');
    assert.equal(gateway, `${system.url}/metrics`, 'the gateway serves its metrics on its API port by default');
    const deadBefore = await sample(read, 'cqrs_eventbus_deadletter_total', { projection: 'product_view' });

    // A mutation, watched live: the subscription's current view, then the change.
    const created = await createProduct(system.graphqlUrl, { title: 'Metered lantern' });
    const client = wsClient(system.graphqlUrl);
    const watch = new SubscriptionRecorder(client, WATCH, { id: created.aggregateId, token: created.consistencyToken });
    try {
      await waitFor(() => watch.values.length >= 1, { what: 'the current view' });
      assert.equal(await only(gateway, 'cqrs_subscriptions_active'), 1);
      await gqlData(
        system.graphqlUrl,
        'mutation($id: ID!) { renameProduct(input: { id: $id, title: "Metered storm lantern" }) { version } }',
        {
          id: created.aggregateId,
        },
      );
      await waitFor(() => watch.values.length >= 2, { what: 'the change' });
      await waitFor(async () => (await only(gateway, 'cqrs_subscription_pushes_total')) >= 2, { what: 'two pushes counted' });
    } finally {
      watch.close();
      await client.dispose();
    }
    await waitFor(async () => (await only(gateway, 'cqrs_subscriptions_active')) === 0, { what: 'the subscription to be counted closed' });

    // Queries: with a token ahead of the gateway's cache the row is fetched (a miss) and kept; then answered from the cache (a hit).
    await gqlData(system.graphqlUrl, PRODUCT, { id: created.aggregateId, t: created.consistencyToken });
    await waitFor(
      async () => {
        await gqlData(system.graphqlUrl, PRODUCT, { id: created.aggregateId });
        return (await only(gateway, 'cqrs_view_cache_requests_total', { result: 'hit' })) > 0;
      },
      { what: 'a view cache hit' },
    );
    assert.ok((await only(gateway, 'cqrs_view_cache_requests_total', { result: 'miss' })) > 0);

    await publishNonEvent(system);
    await waitFor(async () => (await sample(read, 'cqrs_eventbus_deadletter_total', { projection: 'product_view' })) > deadBefore, {
      what: 'the forced dead letter to be counted',
    });

    // Write-service: commands, the relay's publishes (commit -> JetStream ack), the outbox and the saga.
    assert.ok((await only(write, 'cqrs_command_processing_duration_seconds_count', { command: 'renameProduct', outcome: 'ok' })) > 0);
    assert.ok((await only(write, 'cqrs_eventbus_publish_duration_seconds_count')) >= 2, 'the two events published');
    assert.ok((await only(write, 'cqrs_eventbus_publish_duration_seconds_sum')) > 0);
    // Buckets from a tenth of a millisecond to ten seconds.
    for (const le of ['0.0001', '0.00025', '0.0005', '10', '+Inf'])
      await only(write, 'cqrs_eventbus_publish_duration_seconds_bucket', { le });
    assert.equal(await only(write, 'cqrs_eventbus_publish_errors_total', { service: 'write-service' }), 0);
    await waitFor(async () => (await only(write, 'cqrs_outbox_backlog_events')) === 0, { what: 'the outbox to be published' });
    await waitFor(async () => (await only(write, 'cqrs_saga_backlog_events')) === 0, {
      what: 'the saga to have handled every order event',
    });

    // Read-service: queries, each projection's update latency (event committed -> view committed) and lag.
    assert.ok((await only(read, 'cqrs_query_api_latency_seconds_count', { query: 'productsByIds', outcome: 'ok' })) > 0);
    assert.ok((await only(read, 'cqrs_projection_update_latency_seconds_count', { projection: 'product_view' })) >= 2);
    for (const { name: projection } of readModels) {
      await waitFor(
        async () =>
          (await only(read, 'cqrs_projection_lag_events', { projection })) === 0 &&
          (await only(read, 'cqrs_projection_lag_seconds', { projection })) === 0,
        { what: `${projection} to have caught up` },
      );
    }

    // Gateway: requests by operation.
    assert.ok((await only(gateway, 'cqrs_graphql_request_duration_seconds_count', { operation: 'query', outcome: 'ok' })) > 0);

    // A part's metrics only where that part runs.
    assert.deepEqual(await samples(gateway, 'cqrs_outbox_backlog_events'), []);
    assert.deepEqual(await samples(read, 'cqrs_subscriptions_active'), []);
    assert.deepEqual(await samples(write, 'cqrs_projection_lag_events'), []);
  });
});

describe('Prometheus metrics - rate-limit refusals', () => {
  let system: TestSystem;
  before(async () => {
    // Two points per token and window: the third query is refused.
    system = await TestSystem.start('metricsrate', { RATE_LIMIT: 'on', RATE_LIMIT_TOKEN_POINTS: '2', RATE_LIMIT_WINDOW_S: '60' }, [
      'gateway',
    ]);
  });
  after(async () => {
    await system?.stop();
  });

  it('the gateway counts each operation a rate limit refused, by scope (cqrs_rate_limited_total)', async () => {
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await gql(system.graphqlUrl, '{ __typename }'));
    assert.equal(answers[2]?.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    assert.equal(await only(metricsUrl(system, 'gateway'), 'cqrs_rate_limited_total', { scope: 'token' }), 1);
  });
});
