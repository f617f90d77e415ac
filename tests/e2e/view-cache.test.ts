import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { createProduct } from '../support/catalog.js';
import { gqlData } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const PRODUCT = 'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { availableQuantity version } }';
type Answer = { product: { availableQuantity: number; version: number } | null };

describe("product(id) from the gateway's view cache", () => {
  let system: TestSystem;
  let nc: NatsConnection;
  let requests = 0;
  before(async () => {
    system = await TestSystem.start('viewcache');
    nc = await connect({ servers: system.config.natsUrl });
    nc.subscribe(`${system.config.namespace}.query.productsByIds`, {
      callback: () => {
        requests += 1;
      },
    });
    await nc.flush();
  });
  after(async () => {
    await nc?.close();
    await system?.stop();
  });
  const product = (id: string, token?: string) => gqlData<Answer>(system.graphqlUrl, PRODUCT, { id, t: token });

  it('answers a product read before without the read-service, and follows its changes by their notices', async () => {
    const created = await createProduct(system.graphqlUrl, { initialStock: 10 });
    assert.equal((await product(created.aggregateId, created.consistencyToken)).product?.availableQuantity, 10);
    await nc.flush();
    const afterFirstRead = requests;
    for (let i = 0; i < 5; i += 1) assert.equal((await product(created.aggregateId)).product?.availableQuantity, 10);
    await nc.flush();
    assert.equal(requests, afterFirstRead, 'read again from memory');

    const restocked = await gqlData<{ restockProduct: { consistencyToken: string } }>(
      system.graphqlUrl,
      'mutation($input: RestockProductInput!) { restockProduct(input: $input) { consistencyToken } }',
      { input: { id: created.aggregateId, quantity: 5 } },
    );
    await waitFor(async () => (await product(created.aggregateId)).product?.availableQuantity === 15, {
      what: 'the change to reach the cache',
    });
    await nc.flush();
    assert.equal(requests, afterFirstRead, 'the change came with its notice, not by asking again');
    assert.deepEqual((await product(created.aggregateId, restocked.restockProduct.consistencyToken)).product, {
      availableQuantity: 15,
      version: 2,
    });
  });

  it('a new projection leader empties the cache: what the old one committed but never announced cannot stay stale', async () => {
    const created = await createProduct(system.graphqlUrl);
    await product(created.aggregateId, created.consistencyToken);
    await system.stopService('read', 'SIGKILL');
    await system.startService('read');
    await nc.flush();
    const before = requests;
    await waitFor(
      async () => {
        await product(created.aggregateId);
        await nc.flush();
        return requests > before;
      },
      { what: 'a request to the read-service after the restart' },
    );
  });
});
