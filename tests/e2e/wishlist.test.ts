import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gql, gqlData } from '../support/graphql-client.js';
import { createProduct, type CommandResultData } from '../support/catalog.js';
import { registerCustomer } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';

const ADD = 'mutation($input: WishlistItemInput!) { addToWishlist(input: $input) { aggregateId version consistencyToken } }';
const REMOVE = 'mutation($input: WishlistItemInput!) { removeFromWishlist(input: $input) { aggregateId version consistencyToken } }';
const DISCONTINUE = 'mutation($input: DiscontinueProductInput!) { discontinueProduct(input: $input) { version } }';

interface WishlistData {
  customerId: string;
  version: number;
  items: { productId: string; addedAt: string; product: { title: string } | null }[];
}

/** The walk-through of docs/extending.md, end to end: the Wishlist aggregate and its read model. */
describe('wishlists over HTTP', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('wishlist');
  });
  after(async () => {
    await system?.stop();
  });

  const url = () => system.graphqlUrl;
  const wishlist = async (customerId: string, token?: string) =>
    (
      await gqlData<{ wishlist: WishlistData }>(
        url(),
        'query($id: ID!, $token: String) { wishlist(customerId: $id, consistencyToken: $token) { customerId version items { productId addedAt product { title } } } }',
        { id: customerId, token },
      )
    ).wishlist;
  const send = async (mutation: string, input: Record<string, unknown>) => {
    const result = await gql<Record<string, CommandResultData>>(url(), mutation, { input });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return Object.values(result.data!)[0]!;
  };
  const refusal = async (mutation: string, input: Record<string, unknown>) => {
    const result = await gql(url(), mutation, { input });
    assert.equal(result.data, null, JSON.stringify(result));
    return result.errors?.[0]?.extensions ?? {};
  };

  it('adds products newest first, reads them with the token, and removes one', async () => {
    const customer = await registerCustomer(url());
    const kettle = await createProduct(url(), { title: 'Kettle' });
    const teapot = await createProduct(url(), { title: 'Teapot' });
    const customerId = customer.aggregateId;
    assert.deepEqual(await wishlist(customerId), { customerId, version: 0, items: [] });

    await send(ADD, { customerId, productId: kettle.aggregateId });
    const second = await send(ADD, { customerId, productId: teapot.aggregateId });
    assert.equal(second.aggregateId, customerId);
    const two = await wishlist(customerId, second.consistencyToken);
    assert.equal(two.version, 2);
    assert.deepEqual(
      two.items.map((item) => item.product?.title),
      ['Teapot', 'Kettle'],
    );

    // Adding what is there changes nothing: no event, same version.
    const again = await send(ADD, { customerId, productId: kettle.aggregateId });
    assert.equal(again.version, 2);

    const removed = await send(REMOVE, { customerId, productId: kettle.aggregateId });
    assert.equal(removed.version, 3);
    const one = await wishlist(customerId, removed.consistencyToken);
    assert.deepEqual(
      one.items.map((item) => item.productId),
      [teapot.aggregateId],
    );
    assert.equal(one.version, 3);
  });

  it('refuses bad ids, unknown customers and products, and discontinued products, changing nothing', async () => {
    const customer = await registerCustomer(url());
    const product = await createProduct(url());
    const customerId = customer.aggregateId;

    const bad = await refusal(ADD, { customerId: 'not-a-uuid', productId: product.aggregateId });
    assert.deepEqual([bad.code, bad.field], ['BAD_USER_INPUT', 'input.customerId']);
    const noProduct = await refusal(ADD, { customerId, productId: randomUUID() });
    assert.deepEqual([noProduct.code, noProduct.field], ['NOT_FOUND', 'input.productId']);
    const noCustomer = await refusal(ADD, { customerId: randomUUID(), productId: product.aggregateId });
    assert.deepEqual([noCustomer.code, noCustomer.field], ['NOT_FOUND', 'input.customerId']);

    await send(DISCONTINUE, { id: product.aggregateId });
    const gone = await refusal(ADD, { customerId, productId: product.aggregateId });
    assert.deepEqual([gone.code, gone.status], ['INVALID_STATE', 'DISCONTINUED']);

    const { wishlist: after } = await gqlData<{ wishlist: WishlistData }>(
      url(),
      'query($id: ID!) { wishlist(customerId: $id) { version items { productId } } }',
      {
        id: customerId,
      },
    );
    assert.deepEqual(after, { version: 0, items: [] });
  });
});
