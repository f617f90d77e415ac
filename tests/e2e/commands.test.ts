import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gql, gqlData } from '../support/graphql-client.js';
import { createProduct, CREATE_PRODUCT, productInput, type CommandResultData } from '../support/catalog.js';
import { TestSystem } from '../support/system.js';
import { countEvents } from '../support/write-db.js';

const RENAME = 'mutation($input: RenameProductInput!) { renameProduct(input: $input) { aggregateId version consistencyToken replayed } }';
const PRICE = 'mutation($input: ChangeProductPriceInput!) { changeProductPrice(input: $input) { version } }';
const RESTOCK =
  'mutation($input: RestockProductInput!) { restockProduct(input: $input) { aggregateId version consistencyToken correlationId replayed } }';
const DISCONTINUE = 'mutation($input: DiscontinueProductInput!) { discontinueProduct(input: $input) { version } }';

describe('catalog commands over HTTP', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('commands');
  });
  after(async () => {
    await system?.stop();
  });

  it('bad input is BAD_USER_INPUT naming the field, and changes nothing', async () => {
    const existing = await createProduct(system.graphqlUrl);
    const before = await countEvents(system.config);
    const cases: [string, string, Record<string, unknown>][] = [
      [CREATE_PRODUCT, 'input.sku', productInput({ sku: 'no spaces allowed' })],
      [CREATE_PRODUCT, 'input.sku', productInput({ sku: 'X' })],
      [CREATE_PRODUCT, 'input.title', productInput({ title: '' })],
      [CREATE_PRODUCT, 'input.title', productInput({ title: 'x'.repeat(201) })],
      [CREATE_PRODUCT, 'input.price', productInput({ price: '0' })],
      [CREATE_PRODUCT, 'input.price', productInput({ price: '-1.00' })],
      [CREATE_PRODUCT, 'input.price', productInput({ price: '1.999' })],
      [CREATE_PRODUCT, 'input.price', productInput({ price: 'ten' })],
      [CREATE_PRODUCT, 'input.initialStock', productInput({ initialStock: -1 })],
      [CREATE_PRODUCT, 'input.id', productInput({ id: 'not-a-uuid' })],
      [CREATE_PRODUCT, 'input.category', productInput({ category: '   ' })],
      [CREATE_PRODUCT, 'input.currency', productInput({ currency: 'eur' })],
      [CREATE_PRODUCT, 'input.currency', productInput({ currency: 'EURO' })],
      [RENAME, 'input.id', { id: '123', title: 'x' }],
      [RENAME, 'input.title', { id: existing.aggregateId, title: ' ' }],
      [RENAME, 'input.expectedVersion', { id: existing.aggregateId, title: 'x', expectedVersion: -2 }],
      [PRICE, 'input.price', { id: existing.aggregateId, price: '0.00' }],
      [RESTOCK, 'input.quantity', { id: existing.aggregateId, quantity: 0 }],
      [RESTOCK, 'input.quantity', { id: existing.aggregateId, quantity: -5 }],
      [RESTOCK, 'input.idempotencyKey', { id: existing.aggregateId, quantity: 1, idempotencyKey: '' }],
    ];
    for (const [query, field, input] of cases) {
      const result = await gql(system.graphqlUrl, query, { input });
      const error = result.errors?.[0];
      assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', `${field} ${JSON.stringify(input)}: ${JSON.stringify(result.errors)}`);
      assert.equal(error?.extensions?.field, field, JSON.stringify(input));
    }
    const paging = await gql(system.graphqlUrl, '{ products(first: 101) { totalCount } }');
    assert.equal(paging.errors?.[0]?.extensions?.field, 'first');
    assert.equal(await countEvents(system.config), before);
  });

  it('a product is created in the currency given, USD when none is, stored as ProductCreated v2 and read back', async () => {
    const inEuros = await createProduct(system.graphqlUrl, { currency: 'EUR' });
    const inDollars = await createProduct(system.graphqlUrl);
    const read = async ({ aggregateId, consistencyToken }: CommandResultData) =>
      (
        await gqlData<{ product: { price: string; currency: string } }>(
          system.graphqlUrl,
          'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { price currency } }',
          { id: aggregateId, token: consistencyToken },
        )
      ).product.currency;
    assert.equal(await read(inEuros), 'EUR');
    assert.equal(await read(inDollars), 'USD');
    const stored = (id: string, currency: string) =>
      countEvents(system.config, `stream_id = $1 and type = 'ProductCreated' and schema_version = 2 and data->>'currency' = $2`, [
        id,
        currency,
      ]);
    assert.equal(await stored(inEuros.aggregateId, 'EUR'), 1);
    assert.equal(await stored(inDollars.aggregateId, 'USD'), 1);
  });

  it('unknown product is NOT_FOUND; stale expectedVersion is CONCURRENCY_CONFLICT; a discontinued product is INVALID_STATE', async () => {
    const missing = await gql(system.graphqlUrl, RESTOCK, { input: { id: randomUUID(), quantity: 1 } });
    assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');

    const product = await createProduct(system.graphqlUrl);
    const renamed = await gqlData<{ renameProduct: CommandResultData }>(system.graphqlUrl, RENAME, {
      input: { id: product.aggregateId, title: 'Renamed', expectedVersion: 1 },
    });
    assert.equal(renamed.renameProduct.version, 2);
    const stale = await gql(system.graphqlUrl, RENAME, { input: { id: product.aggregateId, title: 'Again', expectedVersion: 1 } });
    assert.equal(stale.errors?.[0]?.extensions?.code, 'CONCURRENCY_CONFLICT');
    assert.equal(stale.errors?.[0]?.extensions?.currentVersion, 2);

    const duplicateId = await gql(system.graphqlUrl, CREATE_PRODUCT, { input: productInput({ id: product.aggregateId }) });
    assert.equal(duplicateId.errors?.[0]?.extensions?.code, 'CONFLICT');
    assert.equal(duplicateId.errors?.[0]?.extensions?.field, 'input.id');

    await gqlData(system.graphqlUrl, DISCONTINUE, { input: { id: product.aggregateId } });
    for (const [query, input] of [
      [RENAME, { title: 'Zombie' }],
      [PRICE, { price: '1.00' }],
      [RESTOCK, { quantity: 1 }],
      [DISCONTINUE, {}],
    ] as const) {
      const refused = await gql(system.graphqlUrl, query, { input: { id: product.aggregateId, ...input } });
      assert.equal(refused.errors?.[0]?.extensions?.code, 'INVALID_STATE', query);
    }
    assert.equal(await countEvents(system.config, 'stream_id = $1', [product.aggregateId]), 3);
  });

  it('concurrent commands without expectedVersion are retried: every restock lands once (G5)', async () => {
    const product = await createProduct(system.graphqlUrl, { initialStock: 0 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        gqlData<{ restockProduct: CommandResultData }>(system.graphqlUrl, RESTOCK, { input: { id: product.aggregateId, quantity: 1 } }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.restockProduct.version).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    const last = results.map((r) => r.restockProduct).sort((a, b) => b.version - a.version)[0]!;
    const view = await gqlData<{ product: { availableQuantity: number } }>(
      system.graphqlUrl,
      'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { availableQuantity } }',
      { id: product.aggregateId, token: last.consistencyToken },
    );
    assert.equal(view.product.availableQuantity, 20);
  });

  it('a repeated idempotency key returns the first result with replayed=true and one event, also after a restart (G6)', async () => {
    const product = await createProduct(system.graphqlUrl, { initialStock: 0 });
    const input = { id: product.aggregateId, quantity: 3, idempotencyKey: `restock-${randomUUID()}` };
    const first = (await gqlData<{ restockProduct: CommandResultData }>(system.graphqlUrl, RESTOCK, { input })).restockProduct;
    assert.equal(first.replayed, false);
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => gqlData<{ restockProduct: CommandResultData }>(system.graphqlUrl, RESTOCK, { input })),
    );
    for (const { restockProduct: again } of concurrent) {
      assert.deepEqual({ ...again, correlationId: '' }, { ...first, correlationId: '', replayed: true });
    }

    await system.stopService('write', 'SIGKILL');
    await system.startService('write');
    const afterRestart = (await gqlData<{ restockProduct: CommandResultData }>(system.graphqlUrl, RESTOCK, { input })).restockProduct;
    assert.equal(afterRestart.replayed, true);
    assert.equal(afterRestart.version, first.version);
    assert.equal(afterRestart.consistencyToken, first.consistencyToken);
    assert.equal(await countEvents(system.config, "stream_id = $1 and type = 'ProductRestocked'", [product.aggregateId]), 1);

    const reused = await gql(system.graphqlUrl, RESTOCK, { input: { ...input, quantity: 4 } });
    assert.equal(reused.errors?.[0]?.extensions?.code, 'CONFLICT');
    assert.equal(reused.errors?.[0]?.extensions?.field, 'input.idempotencyKey');

    // Keys are per tenant and per key: a new key executes again.
    const fresh = (
      await gqlData<{ restockProduct: CommandResultData }>(system.graphqlUrl, RESTOCK, {
        input: { ...input, idempotencyKey: randomUUID() },
      })
    ).restockProduct;
    assert.equal(fresh.replayed, false);
    assert.equal(fresh.version, first.version + 1);
  });

  it('the correlation id given in X-Correlation-ID comes back in the result', async () => {
    const result = await gqlData<{ createProduct: CommandResultData }>(
      system.graphqlUrl,
      CREATE_PRODUCT,
      { input: productInput() },
      { 'x-correlation-id': 'trace-me-123' },
    );
    assert.equal(result.createProduct.correlationId, 'trace-me-123');
  });

  it('several product lookups in one request go to the read-service as one batch (DataLoader)', async () => {
    // One after another: the last one's token covers all five (tokens are opaque, not comparable).
    const products: CommandResultData[] = [];
    for (let i = 0; i < 5; i += 1) products.push(await createProduct(system.graphqlUrl));
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: system.config.natsUrl });
    let batches = 0;
    const spy = nc.subscribe(`${system.config.namespace}.query.productsByIds`, {
      callback: () => {
        batches += 1;
      },
    });
    await nc.flush();
    try {
      const token = products.at(-1)?.consistencyToken;
      const aliases = products.map((p, i) => `p${i}: product(id: "${p.aggregateId}", consistencyToken: $token) { id title }`).join('\n');
      const data = await gqlData<Record<string, { id: string }>>(system.graphqlUrl, `query($token: String) { ${aliases} }`, { token });
      assert.deepEqual(
        Object.values(data).map((p) => p.id),
        products.map((p) => p.aggregateId),
      );
      await nc.flush();
      assert.equal(batches, 1);
    } finally {
      spy.unsubscribe();
      await nc.close();
    }
  });
});
