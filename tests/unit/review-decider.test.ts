import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddReview, ReviewCommand } from '../../schema/commands/review-commands.js';
import { ErrorCode } from '../../schema/errors.js';
import type { ReviewAdded, ReviewEvent } from '../../schema/events/review-events.js';
import type { StateLoader } from '../../write-service/commands/command-definition.js';
import { addReview } from '../../write-service/commands/review-commands.js';
import { reviewDecider, type ReviewState } from '../../write-service/domain/review.js';
import { assertBadInput } from '../support/assertions.js';
import { deciderSpec, parseContextWithoutIds } from '../support/decider-spec.js';

const spec = deciderSpec<ReviewCommand, ReviewState, ReviewEvent>(reviewDecider);

const productId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const customerId = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const earlier = '2026-11-26T10:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';
const context = parseContextWithoutIds(now, 'a review');

const add: AddReview = {
  type: 'AddReview',
  productId,
  customerId,
  rating: 4,
  comment: 'Keeps tea hot',
  productExists: true,
  customerExists: true,
  now,
};
const added: ReviewAdded = { type: 'ReviewAdded', data: { productId, customerId, rating: 5, comment: null, addedAt: earlier } };
const validInput = { productId, customerId, rating: 4, comment: 'Keeps tea hot' };

describe('review decider - add', () => {
  it('add - emits ReviewAdded with the command time', () => {
    spec
      .given([])
      .when(add)
      .then([{ type: 'ReviewAdded', data: { productId, customerId, rating: 4, comment: 'Keeps tea hot', addedAt: now } }]);
  });

  it('add - a missing product is NOT_FOUND on productId', () => {
    spec
      .given([])
      .when({ ...add, productExists: false })
      .thenFails(ErrorCode.NOT_FOUND, { field: 'productId' });
  });

  it('add - a missing customer is NOT_FOUND on customerId', () => {
    spec
      .given([])
      .when({ ...add, customerExists: false })
      .thenFails(ErrorCode.NOT_FOUND, { field: 'customerId' });
  });

  it('add - a second review by the same customer for the same product is a CONFLICT', () => {
    spec.given([added]).when(add).thenFails(ErrorCode.CONFLICT, { field: 'productId' });
  });
});

describe('review commands - addReview parse', () => {
  it('parse - one stream per product and customer: <productId>:<customerId>, lower-cased', () => {
    const parsed = addReview.parse({ ...validInput, productId: productId.toUpperCase(), customerId: customerId.toUpperCase() }, context);
    assert.deepEqual(parsed, {
      aggregateId: `${productId}:${customerId}`,
      command: {
        type: 'AddReview',
        productId,
        customerId,
        rating: 4,
        comment: 'Keeps tea hot',
        productExists: false,
        customerExists: false,
        now,
      },
    });
  });

  it('parse - another customer for the same product is another stream', () => {
    const other = '4d0e9f80-7b6c-4d5e-9f3a-2b1c0d9e8f70';
    assert.notEqual(
      addReview.parse(validInput, context).aggregateId,
      addReview.parse({ ...validInput, customerId: other }, context).aggregateId,
    );
  });

  it('parse - rating is an integer from 1 to 5', () => {
    for (const rating of [1, 5]) assert.equal(addReview.parse({ ...validInput, rating }, context).command.rating, rating);
    for (const rating of [0, 6, -1, 3.5, '4', null, undefined, Number.NaN]) {
      assertBadInput(() => addReview.parse({ ...validInput, rating }, context), 'rating');
    }
  });

  it('parse - comment is optional and at most 2,000 characters', () => {
    assert.equal(addReview.parse({ ...validInput, comment: 'c'.repeat(2000) }, context).command.comment, 'c'.repeat(2000));
    assert.equal(addReview.parse({ ...validInput, comment: undefined }, context).command.comment, null);
    assert.equal(addReview.parse({ ...validInput, comment: null }, context).command.comment, null);
    assert.equal(addReview.parse({ ...validInput, comment: '   ' }, context).command.comment, null);
    assertBadInput(() => addReview.parse({ ...validInput, comment: 'c'.repeat(2001) }, context), 'comment');
    assertBadInput(() => addReview.parse({ ...validInput, comment: 42 }, context), 'comment');
  });

  it('parse - product and customer ids must be UUIDs', () => {
    assertBadInput(() => addReview.parse({ ...validInput, productId: 'mug' }, context), 'productId');
    assertBadInput(() => addReview.parse({ ...validInput, customerId: 'ada' }, context), 'customerId');
  });
});

describe('review commands - addReview enrich', () => {
  const loaderOf =
    (existing: Record<string, boolean>): StateLoader =>
    async <State>(type: string, id: string) =>
      ({ status: existing[`${type}:${id}`] ? 'present' : 'absent' }) as State;

  it('enrich - tells the decider whether the product and the customer exist on the write side', async () => {
    assert.ok(addReview.enrich);
    const { command } = addReview.parse(validInput, context);
    const both = await addReview.enrich(command, loaderOf({ [`Product:${productId}`]: true, [`Customer:${customerId}`]: true }));
    assert.equal(both.productExists, true);
    assert.equal(both.customerExists, true);
    const none = await addReview.enrich(command, loaderOf({}));
    assert.equal(none.productExists, false);
    assert.equal(none.customerExists, false);
  });
});
