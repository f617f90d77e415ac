import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReviewAdded, ReviewEvent } from '../../schema/events/review-events.js';
import type { StateReader } from '../../write-service/commands/command-definition.js';
import { reviewAggregate } from '../../write-service/commands/review-commands.js';
import {
  reviewDecider,
  type AddReview,
  type ReviewCommand,
  type ReviewContext,
  type ReviewState,
} from '../../write-service/domain/review.js';
import { assertBadInput } from '../support/assertions.js';
import { deciderSpec, parseContextWithoutIds } from '../support/decider-spec.js';
import { parserOf } from '../support/write-commands.js';

const spec = deciderSpec<ReviewCommand, ReviewState, ReviewEvent, ReviewContext>(reviewDecider);
const addReview = { parse: parserOf('AddReview') };

const productId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const customerId = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const earlier = '2026-11-26T10:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';
const context = parseContextWithoutIds(now, 'a review');

const add: AddReview = { type: 'AddReview', productId, customerId, rating: 4, comment: 'Keeps tea hot', now };
/** Both the product and the customer exist on the write side. */
const both: ReviewContext = { productExists: true, customerExists: true };
const added: ReviewAdded = { type: 'ReviewAdded', data: { productId, customerId, rating: 5, comment: null, addedAt: earlier } };
const validInput = { productId, customerId, rating: 4, comment: 'Keeps tea hot' };

describe('review decider - add', () => {
  it('add - emits ReviewAdded with the command time', () => {
    spec
      .given([])
      .when(add, both)
      .then([{ type: 'ReviewAdded', data: { productId, customerId, rating: 4, comment: 'Keeps tea hot', addedAt: now } }]);
  });

  it('add - a missing product is not found, on productId', () => {
    spec
      .given([])
      .when(add, { ...both, productExists: false })
      .thenFails({ reason: 'NotFound', entity: 'product', id: productId, field: 'productId' });
  });

  it('add - a missing customer is not found, on customerId', () => {
    spec
      .given([])
      .when(add, { ...both, customerExists: false })
      .thenFails({ reason: 'NotFound', entity: 'customer', id: customerId, field: 'customerId' });
  });

  it('add - a second review by the same customer for the same product already exists, on productId', () => {
    spec.given([added]).when(add, both).thenFails({ reason: 'AlreadyExists', field: 'productId' });
  });
});

describe('review commands - addReview parse', () => {
  it('parse - one stream per product and customer: <productId>:<customerId>, lower-cased', () => {
    const parsed = addReview.parse({ ...validInput, productId: productId.toUpperCase(), customerId: customerId.toUpperCase() }, context);
    assert.deepEqual(parsed, { command: { type: 'AddReview', productId, customerId, rating: 4, comment: 'Keeps tea hot', now } });
    assert.equal(reviewAggregate.streamId(parsed.command), `${productId}:${customerId}`);
  });

  it('parse - another customer for the same product is another stream', () => {
    const other = '4d0e9f80-7b6c-4d5e-9f3a-2b1c0d9e8f70';
    assert.notEqual(
      reviewAggregate.streamId(addReview.parse(validInput, context).command),
      reviewAggregate.streamId(addReview.parse({ ...validInput, customerId: other }, context).command),
    );
  });

  it('parse - rating is an integer from 1 to 5', () => {
    for (const rating of [1, 5]) assert.equal(addReview.parse({ ...validInput, rating }, context).command.rating, rating);
    for (const rating of [0, 6, -1, 3.5, '4', null, undefined, Number.NaN]) {
      assertBadInput(() => addReview.parse({ ...validInput, rating }, context), 'input.rating');
    }
  });

  it('parse - comment is optional and at most 2,000 characters', () => {
    assert.equal(addReview.parse({ ...validInput, comment: 'c'.repeat(2000) }, context).command.comment, 'c'.repeat(2000));
    assert.equal(addReview.parse({ ...validInput, comment: undefined }, context).command.comment, null);
    assert.equal(addReview.parse({ ...validInput, comment: null }, context).command.comment, null);
    assert.equal(addReview.parse({ ...validInput, comment: '   ' }, context).command.comment, null);
    assertBadInput(() => addReview.parse({ ...validInput, comment: 'c'.repeat(2001) }, context), 'input.comment');
    assertBadInput(() => addReview.parse({ ...validInput, comment: 42 }, context), 'input.comment');
  });

  it('parse - product and customer ids must be UUIDs', () => {
    assertBadInput(() => addReview.parse({ ...validInput, productId: 'mug' }, context), 'input.productId');
    assertBadInput(() => addReview.parse({ ...validInput, customerId: 'ada' }, context), 'input.customerId');
  });
});

describe('review commands - addReview context', () => {
  const readerOf =
    (existing: Record<string, boolean>): StateReader =>
    async <State>(aggregate: { type: string }, id: string) =>
      ({ status: existing[`${aggregate.type}:${id}`] ? 'present' : 'absent' }) as State;

  it('context - tells the decider whether the product and the customer exist on the write side', async () => {
    assert.ok(reviewAggregate.context);
    const { command } = addReview.parse(validInput, context);
    const found = await reviewAggregate.context(command, readerOf({ [`Product:${productId}`]: true, [`Customer:${customerId}`]: true }));
    assert.deepEqual(found, { productExists: true, customerExists: true });
    assert.deepEqual(await reviewAggregate.context(command, readerOf({})), { productExists: false, customerExists: false });
  });
});
