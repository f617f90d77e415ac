import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gql, gqlData } from '../support/graphql-client.js';
import { createProduct } from '../support/catalog.js';
import { placeOrder, REGISTER_CUSTOMER, registerCustomer } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { countEvents } from '../support/write-db.js';

describe('orders under concurrency', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('orderconc');
  });
  after(async () => {
    await system?.stop();
  });

  it('50 concurrent orders of 1 unit against a stock of 10: exactly 10 confirmed and 40 rejected, five rounds', async () => {
    for (let round = 1; round <= 5; round += 1) {
      const product = await createProduct(system.graphqlUrl, { initialStock: 10, title: `Scarce ${round}` });
      const customer = await registerCustomer(system.graphqlUrl);
      const placed = await Promise.all(
        Array.from({ length: 50 }, () =>
          placeOrder(system.graphqlUrl, customer.aggregateId, [{ productId: product.aggregateId, quantity: 1 }]),
        ),
      );
      assert.deepEqual(
        placed.filter((p) => p.errors),
        [],
        'every placement is accepted (PENDING)',
      );

      const ids = placed.map((p) => p.data!.placeOrder.aggregateId);
      const decided = () => countEvents(system.config, "stream_id = any($1) and type in ('OrderConfirmed', 'OrderRejected')", [ids]);
      await waitFor(async () => (await decided()) === 50, { timeoutMs: 30_000, what: `round ${round}: the saga to decide all 50 orders` });
      assert.equal(await countEvents(system.config, "stream_id = any($1) and type = 'OrderConfirmed'", [ids]), 10, `round ${round}`);
      assert.equal(
        await countEvents(system.config, "stream_id = any($1) and type = 'OrderRejected' and data->>'reason' = 'OUT_OF_STOCK'", [ids]),
        40,
      );
      // Write model: exactly 10 units held, none released (no partial reservation to give back).
      assert.equal(await countEvents(system.config, "stream_id = $1 and type = 'StockReserved'", [product.aggregateId]), 10);
      assert.equal(await countEvents(system.config, "stream_id = $1 and type = 'StockReleased'", [product.aggregateId]), 0);

      // Read model: available 0, 10 confirmed and 40 rejected orders for the customer.
      const view = await waitFor(
        async () => {
          const data = await gqlData<{
            product: { availableQuantity: number; inStock: boolean };
            confirmed: { totalCount: number };
            rejected: { totalCount: number };
          }>(
            system.graphqlUrl,
            `
          query($id: ID!, $customerId: ID!) {
            product(id: $id) { availableQuantity inStock }
            confirmed: orders(customerId: $customerId, status: CONFIRMED) { totalCount }
            rejected: orders(customerId: $customerId, status: REJECTED) { totalCount }
          }`,
            { id: product.aggregateId, customerId: customer.aggregateId },
          );
          return data.confirmed.totalCount + data.rejected.totalCount === 50 ? data : undefined;
        },
        { what: `round ${round}: the read model to show every decision` },
      );
      assert.deepEqual(view, {
        product: { availableQuantity: 0, inStock: false },
        confirmed: { totalCount: 10 },
        rejected: { totalCount: 40 },
      });
    }
  });

  it('concurrent registrations of one email: exactly one succeeds, the others get CONFLICT on input.email', async () => {
    const email = `race-${randomUUID()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gql(system.graphqlUrl, REGISTER_CUSTOMER, {
          input: { name: `Racer ${i}`, email: i % 2 ? email.toUpperCase() : ` ${email} `, region: 'east' },
        }),
      ),
    );
    const succeeded = results.filter((r) => !r.errors);
    assert.equal(succeeded.length, 1);
    for (const failed of results.filter((r) => r.errors)) {
      assert.equal(failed.errors?.[0]?.extensions?.code, 'CONFLICT');
      assert.equal(failed.errors?.[0]?.extensions?.field, 'input.email');
    }
    assert.equal(await countEvents(system.config, "type = 'CustomerRegistered' and data->>'email' = $1", [email]), 1);
  });
});
