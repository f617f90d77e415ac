import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gql, gqlData, SubscriptionRecorder, wsClient } from '../support/graphql-client.js';
import { createProduct, CREATE_PRODUCT, productInput } from '../support/catalog.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

describe('fault isolation (G7)', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('faults', { REQUEST_TIMEOUT_MS: '1500' });
  });
  after(async () => {
    await system?.stop();
  });

  it('with the write-service down, queries and subscriptions answer and mutations get SERVICE_UNAVAILABLE', async () => {
    const created = await createProduct(system.graphqlUrl, { title: 'Survivor' });
    const client = wsClient(system.graphqlUrl);
    const watch = new SubscriptionRecorder<{ productUpdated: { title: string } }>(
      client,
      'subscription($id: ID!, $token: String) { productUpdated(id: $id, consistencyToken: $token) { title } }',
      { id: created.aggregateId, token: created.consistencyToken },
    );
    try {
      await waitFor(() => watch.values.length === 1, { what: 'the current view' });
      await system.stopService('write', 'SIGKILL');

      const query = await gqlData<{ product: { title: string } }>(system.graphqlUrl, 'query($id: ID!) { product(id: $id) { title } }', {
        id: created.aggregateId,
      });
      assert.equal(query.product.title, 'Survivor');

      const mutation = await gql(system.graphqlUrl, CREATE_PRODUCT, { input: productInput() });
      assert.equal(mutation.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');

      const lateWatch = new SubscriptionRecorder<{ productUpdated: { title: string } }>(
        client,
        'subscription($id: ID!) { productUpdated(id: $id) { title } }',
        { id: created.aggregateId },
      );
      await waitFor(() => lateWatch.values.length === 1, { what: 'a new subscription to answer' });
      lateWatch.close();
    } finally {
      watch.close();
      await client.dispose();
      await system.startService('write');
    }
    const after = await createProduct(system.graphqlUrl, { title: 'After restart' });
    assert.equal(after.version, 1);
  });

  it('with the read-service down, mutations succeed and the read model catches up when it returns', async () => {
    await system.stopService('read', 'SIGKILL');
    const created = await createProduct(system.graphqlUrl, { title: 'Written blind', initialStock: 1 });
    const restock = await gqlData<{ restockProduct: { consistencyToken: string } }>(
      system.graphqlUrl,
      'mutation($input: RestockProductInput!) { restockProduct(input: $input) { consistencyToken } }',
      { input: { id: created.aggregateId, quantity: 4 } },
    );
    const query = await gql(system.graphqlUrl, 'query($id: ID!) { product(id: $id) { title } }', { id: created.aggregateId });
    assert.equal(query.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');

    await system.startService('read');
    const caught = await gqlData<{ product: { title: string; availableQuantity: number } }>(
      system.graphqlUrl,
      'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { title availableQuantity } }',
      { id: created.aggregateId, token: restock.restockProduct.consistencyToken },
    );
    assert.deepEqual(caught.product, { title: 'Written blind', availableQuantity: 5 });
  });
});
