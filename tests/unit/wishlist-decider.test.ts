import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WishlistEvent, WishlistItemAdded } from '../../schema/events/wishlist-events.js';
import { wishlistAggregate } from '../../write-service/commands/wishlist-commands.js';
import {
  MAX_WISHLIST_ITEMS,
  wishlistDecider,
  type AddToWishlist,
  type RemoveFromWishlist,
  type WishlistCommand,
  type WishlistContext,
  type WishlistState,
} from '../../write-service/domain/wishlist.js';
import { assertBadInput } from '../support/assertions.js';
import { deciderSpec, parseContextWithoutIds } from '../support/decider-spec.js';
import { parserOf } from '../support/write-commands.js';

const spec = deciderSpec<WishlistCommand, WishlistState, WishlistEvent, WishlistContext>(wishlistDecider);
const addToWishlist = { parse: parserOf('AddToWishlist') };
const removeFromWishlist = { parse: parserOf('RemoveFromWishlist') };

const customerId = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const productId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const earlier = '2026-11-26T10:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';
const context = parseContextWithoutIds(now, 'a wishlist item');

const add: AddToWishlist = { type: 'AddToWishlist', customerId, productId, now };
const remove: RemoveFromWishlist = { type: 'RemoveFromWishlist', customerId, productId, now };
const active: WishlistContext = { customerExists: true, product: 'active' };
const addedEarlier = (id = productId): WishlistItemAdded => ({
  type: 'WishlistItemAdded',
  data: { customerId, productId: id, addedAt: earlier },
});

describe('wishlist decider', () => {
  it('add - emits WishlistItemAdded with the command time', () => {
    spec
      .given([])
      .when(add, active)
      .then([{ type: 'WishlistItemAdded', data: { customerId, productId, addedAt: now } }]);
  });

  it('add - a product already on the list changes nothing', () => {
    spec.given([addedEarlier()]).when(add, active).then([]);
  });

  it('add - a product added, removed and added again is added', () => {
    const removed: WishlistEvent = { type: 'WishlistItemRemoved', data: { customerId, productId, removedAt: earlier } };
    spec
      .given([addedEarlier(), removed])
      .when(add, active)
      .then([{ type: 'WishlistItemAdded', data: { customerId, productId, addedAt: now } }]);
  });

  it('add - a missing customer or product is not found, on its field', () => {
    spec
      .given([])
      .when(add, { ...active, customerExists: false })
      .thenFails({ reason: 'NotFound', entity: 'customer', field: 'customerId' });
    spec
      .given([])
      .when(add, { ...active, product: 'absent' })
      .thenFails({ reason: 'NotFound', entity: 'product', field: 'productId' });
  });

  it('add - a discontinued product is refused, unless it is already on the list', () => {
    spec
      .given([])
      .when(add, { ...active, product: 'discontinued' })
      .thenFails({ reason: 'Discontinued', productId });
    spec
      .given([addedEarlier()])
      .when(add, { ...active, product: 'discontinued' })
      .then([]);
  });

  it(`add - a list holds at most ${MAX_WISHLIST_ITEMS} products`, () => {
    const full = Array.from({ length: MAX_WISHLIST_ITEMS }, (_, i) =>
      addedEarlier(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
    );
    spec.given(full).when(add, active).thenFails({ reason: 'RuleViolated', field: 'productId' });
    spec
      .given(full.slice(1))
      .when(add, active)
      .then([{ type: 'WishlistItemAdded', data: { customerId, productId, addedAt: now } }]);
  });

  it('remove - emits WishlistItemRemoved for a product on the list, nothing otherwise', () => {
    spec
      .given([addedEarlier()])
      .when(remove, active)
      .then([{ type: 'WishlistItemRemoved', data: { customerId, productId, removedAt: now } }]);
    spec.given([]).when(remove, active).then([]);
  });
});

describe('wishlist commands - parse', () => {
  it('parse - one stream per customer, ids lower-cased', () => {
    const parsed = addToWishlist.parse({ customerId: customerId.toUpperCase(), productId: productId.toUpperCase() }, context);
    assert.deepEqual(parsed, { command: { type: 'AddToWishlist', customerId, productId, now } });
    assert.equal(wishlistAggregate.streamId(parsed.command), customerId);
    assert.deepEqual(removeFromWishlist.parse({ customerId, productId }, context), { command: { ...remove } });
  });

  it('parse - both ids must be UUIDs, named by their path', () => {
    assertBadInput(() => addToWishlist.parse({ customerId: 'nope', productId }, context), 'input.customerId');
    assertBadInput(() => removeFromWishlist.parse({ customerId, productId: 42 }, context), 'input.productId');
  });

  it('context - removing reads nothing; adding reads the customer and the product', async () => {
    const read = (aggregate: { type: string }) =>
      Promise.resolve(aggregate.type === 'Product' ? { status: 'discontinued' } : { status: 'absent' });
    assert.ok(wishlistAggregate.context);
    assert.deepEqual(await wishlistAggregate.context(add, read as never), { customerExists: false, product: 'discontinued' });
    let reads = 0;
    const counting = () => {
      reads++;
      return Promise.resolve({ status: 'absent' });
    };
    await wishlistAggregate.context(remove, counting as never);
    assert.equal(reads, 0);
  });
});
