import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createProduct } from '../support/catalog.js';
import { gql } from '../support/graphql-client.js';
import { TestSystem, type ServiceName } from '../support/system.js';
import { waitFor } from '../support/wait.js';

/** The metrics address a service printed in its ready line. */
function metricsUrl(system: TestSystem, service: ServiceName): string {
  return system.readyInfo(service).metrics as string;
}

/** The value of one sample (`name{labels} value`) in a Prometheus exposition, 0 when absent. */
async function sample(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(url)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('Prometheus metrics', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('metrics', { METRICS_PORT: '0' });
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
    // A message in the stream that is no event at all: every projection records it as a dead letter.
    const nc = await connect({ servers: system.config.natsUrl });
    try {
      await jetstream(nc).publish(`${system.config.namespace}.events.acme.Product.${crypto.randomUUID()}`, 'not an event');
    } finally {
      await nc.close();
    }
    for (const projection of ['product_view', 'order_view', 'customer_view', 'regional_sales', 'top_products']) {
      await waitFor(async () => (await sample(read, 'cqrs_eventbus_deadletter_total', { projection })) === 1, {
        what: `the dead letter of ${projection} to be counted`,
      });
    }
  });
});
