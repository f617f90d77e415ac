import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ErrorCode } from '../../schema/errors.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import { VersionConflict } from '../../write-service/commands/command-errors.js';
import { fold } from '../../write-service/domain/decider.js';
import { DomainError } from '../../write-service/domain/domain-error.js';
import { productDecider, type ProductCommand } from '../../write-service/domain/product.js';
import { StreamVersionConflict } from '../../write-service/event-store/event-store.js';
import { decideOnReservationFailure, refusedByOrderStatus } from '../../write-service/sagas/order-saga-decisions.js';

const productId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const orderId = '0d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5';
const now = '2026-11-27T08:30:00.000Z';

const created: ProductEvent = {
  type: 'ProductCreated',
  data: {
    productId,
    sku: 'MUG-001',
    title: 'Enamel mug',
    description: null,
    category: 'kitchen',
    price: '12.50',
    currency: 'USD',
    initialStock: 1,
    createdAt: now,
  },
};
const discontinued: ProductEvent = { type: 'ProductDiscontinued', data: { productId, discontinuedAt: now } };

/** The error the product decider throws for this history and command. */
function refusal(history: ProductEvent[], command: ProductCommand): unknown {
  try {
    productDecider.decide(command, fold(productDecider, history));
  } catch (error) {
    return error;
  }
  return assert.fail('expected the product to refuse');
}

const reserve = (quantity: number): ProductCommand => ({ type: 'ReserveStock', productId, orderId, quantity, now });

describe('order saga - reservation failure', () => {
  it("reservation failure - the product's out of stock rejects the order with OUT_OF_STOCK and the product", () => {
    assert.deepEqual(decideOnReservationFailure(refusal([created], reserve(2)), productId), { reason: 'OUT_OF_STOCK', productId });
  });

  it("reservation failure - the product's discontinued rejects the order with PRODUCT_DISCONTINUED and the product", () => {
    assert.deepEqual(decideOnReservationFailure(refusal([created, discontinued], reserve(1)), productId), {
      reason: 'PRODUCT_DISCONTINUED',
      productId,
    });
  });

  it('reservation failure - a product that does not exist rejects the order as PRODUCT_DISCONTINUED', () => {
    assert.deepEqual(decideOnReservationFailure(refusal([], reserve(1)), productId), { reason: 'PRODUCT_DISCONTINUED', productId });
  });

  it('reservation failure - a wire error is not a domain refusal, whatever its code and details: retried (undefined)', () => {
    assert.equal(
      decideOnReservationFailure(
        AppError.invalidState('product is discontinued', { reason: 'PRODUCT_DISCONTINUED', status: 'DISCONTINUED' }),
        productId,
      ),
      undefined,
    );
    assert.equal(decideOnReservationFailure(AppError.invalidState('odd', { reason: 'OUT_OF_STOCK' }), productId), undefined);
    assert.equal(decideOnReservationFailure(AppError.notFound('product', productId), productId), undefined);
  });

  it('reservation failure - other domain refusals are not the product refusing stock: undefined', () => {
    assert.equal(decideOnReservationFailure(DomainError.invalidTransition('order', orderId, 'CANCELLED'), productId), undefined);
    assert.equal(decideOnReservationFailure(DomainError.ruleViolated('quantity', 'too many'), productId), undefined);
  });

  it('reservation failure - infrastructure and other errors are not business outcomes: undefined', () => {
    const others: unknown[] = [
      AppError.concurrencyConflict(3, 4),
      new VersionConflict(3, 4),
      new StreamVersionConflict(productId, 3),
      AppError.serviceUnavailable('database down'),
      new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'boom'),
      new AppError(ErrorCode.CONSISTENCY_TIMEOUT, 'slow'),
      AppError.badInput('quantity', 'bad'),
      AppError.conflict('idempotencyKey', 'taken'),
      new Error('connection reset'),
      new TypeError('x is undefined'),
      'a string',
      undefined,
      null,
    ];
    for (const error of others) assert.equal(decideOnReservationFailure(error, productId), undefined, `for ${String(error)}`);
  });
});

describe('order saga - a step the order refuses', () => {
  it('refused by status - only an invalid transition of the order (it was cancelled meanwhile)', () => {
    assert.equal(refusedByOrderStatus(DomainError.invalidTransition('order', orderId, 'CANCELLED')), true);
    for (const error of [
      DomainError.notFound('order', orderId, 'orderId'),
      AppError.invalidState('order is CANCELLED'),
      new Error('INVALID_STATE'),
    ]) {
      assert.equal(refusedByOrderStatus(error), false, String(error));
    }
  });
});
