import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gqlData } from '../support/graphql-client.js';
import { createProduct, PRODUCT_FIELDS, type CommandResultData } from '../support/catalog.js';
import { TestSystem } from '../support/system.js';
import { sealedToken } from '../support/consistency-tokens.js';

describe('read-your-writes (G4) over HTTP', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('ryw');
  });
  after(async () => {
    await system?.stop();
  });

  it('a query given the mutation token sees the write, 100 times in a row without sleeping', async () => {
    const created = await createProduct(system.graphqlUrl, { initialStock: 0 });
    for (let i = 1; i <= 100; i += 1) {
      const { restockProduct } = await gqlData<{ restockProduct: CommandResultData }>(
        system.graphqlUrl,
        'mutation($input: RestockProductInput!) { restockProduct(input: $input) { version consistencyToken } }',
        { input: { id: created.aggregateId, quantity: 1 } },
      );
      const { product } = await gqlData<{ product: { availableQuantity: number; version: number } }>(
        system.graphqlUrl,
        `query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { ${PRODUCT_FIELDS} } }`,
        { id: created.aggregateId, token: restockProduct.consistencyToken },
      );
      assert.equal(product.version, restockProduct.version);
      assert.equal(product.availableQuantity, i);
    }
  });

  it('products() with a token lists a product created just before', async () => {
    const category = `cat-${Date.now()}`;
    for (let i = 0; i < 20; i += 1) {
      const created = await createProduct(system.graphqlUrl, { category, title: `Lantern ${i}` });
      const { products } = await gqlData<{ products: { totalCount: number; edges: { node: { id: string } }[] } }>(
        system.graphqlUrl,
        'query($category: String, $token: String) { products(filter: { category: $category }, first: 100, consistencyToken: $token) { totalCount edges { node { id } } } }',
        { category, token: created.consistencyToken },
      );
      assert.equal(products.totalCount, i + 1);
      assert.ok(products.edges.some((edge) => edge.node.id === created.aggregateId));
    }
  });

  it('a token from the future fails with CONSISTENCY_TIMEOUT instead of a stale answer', async () => {
    const created = await createProduct(system.graphqlUrl);
    const response = await fetch(system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { id } }',
        variables: { id: created.aggregateId, token: sealedToken(system.config, 999_999_999) },
      }),
    });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]?.extensions.code, 'CONSISTENCY_TIMEOUT');
  });
});
