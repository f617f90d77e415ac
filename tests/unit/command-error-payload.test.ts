import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../schema/errors.js';
import { NotYetPublished, VersionConflict } from '../../write-service/commands/command-errors.js';
import { commandErrorPayload } from '../../write-service/commands/error-payload.js';
import { DomainError } from '../../write-service/domain/domain-error.js';
import { IdempotencyKeyTaken, UniqueKeyTaken } from '../../write-service/event-store/event-store.js';
import { GroupCommitFull } from '../../write-service/event-store/group-commit.js';
import { IdempotencyKeyReused } from '../../write-service/event-store/idempotency-records.js';
import { commandNamed } from '../../write-service/registry.js';

const id = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const answer = (command: string, error: unknown) => {
  const entry = commandNamed(command);
  assert.ok(entry, `no command ${command}`);
  const payload = commandErrorPayload(entry, error);
  return payload && { code: payload.code, field: payload.field, details: payload.details };
};

describe('write-service edge - what a command threw, as the wire answers it', () => {
  it('not found - NOT_FOUND on the input path of the command field: the aggregate id field is input.id', () => {
    assert.deepEqual(answer('restockProduct', DomainError.notFound('product', id, 'productId')), {
      code: 'NOT_FOUND',
      field: 'input.id',
      details: undefined,
    });
    assert.deepEqual(answer('placeOrder', DomainError.notFound('customer', id, 'customerId'))?.field, 'input.customerId');
    assert.deepEqual(answer('placeOrder', DomainError.notFound('product', id, 'lines[2].productId'))?.field, 'input.lines[2].productId');
    assert.deepEqual(answer('addReview', DomainError.notFound('product', id, 'productId'))?.field, 'input.productId');
  });

  it('already exists - CONFLICT on the field', () => {
    assert.deepEqual(answer('createProduct', DomainError.alreadyExists('product', id, 'productId')), {
      code: 'CONFLICT',
      field: 'input.id',
      details: undefined,
    });
    assert.equal(answer('registerCustomer', DomainError.alreadyExists('customer', id, 'customerId'))?.field, 'input.id');
    assert.equal(answer('addReview', DomainError.alreadyExists('review', id, 'productId'))?.field, 'input.productId');
  });

  it('a wrong state - INVALID_STATE with extensions.status', () => {
    assert.deepEqual(answer('payOrder', DomainError.invalidTransition('order', id, 'PENDING')), {
      code: 'INVALID_STATE',
      field: undefined,
      details: { status: 'PENDING' },
    });
    assert.deepEqual(answer('renameProduct', DomainError.discontinued(id))?.details, { status: 'DISCONTINUED' });
  });

  it('out of stock - INVALID_STATE with the reason and what is available', () => {
    assert.deepEqual(answer('reserveStock', DomainError.outOfStock(id, 2))?.details, { reason: 'OUT_OF_STOCK', available: 2 });
  });

  it('a rule of the state broken by a value of the command - BAD_USER_INPUT on its field, with the limits', () => {
    assert.deepEqual(answer('restockProduct', DomainError.ruleViolated('quantity', 'too many', { maxQuantity: 3 })), {
      code: 'BAD_USER_INPUT',
      field: 'input.quantity',
      details: { maxQuantity: 3 },
    });
    assert.deepEqual(answer('payOrder', DomainError.ruleViolated('amount', 'must equal the total')), {
      code: 'BAD_USER_INPUT',
      field: 'input.amount',
      details: undefined,
    });
  });

  it('versions - CONCURRENCY_CONFLICT on input.expectedVersion with currentVersion', () => {
    assert.deepEqual(answer('renameProduct', new VersionConflict(1, 2)), {
      code: 'CONCURRENCY_CONFLICT',
      field: 'input.expectedVersion',
      details: { expectedVersion: 1, currentVersion: 2 },
    });
  });

  it('keys - a reused idempotency key is CONFLICT on input.idempotencyKey; a taken email CONFLICT on input.email', () => {
    for (const error of [new IdempotencyKeyReused('k'), new IdempotencyKeyTaken('k')]) {
      assert.deepEqual(answer('restockProduct', error), { code: 'CONFLICT', field: 'input.idempotencyKey', details: undefined });
    }
    assert.deepEqual(answer('registerCustomer', new UniqueKeyTaken('customer-email', 'ada@example.com')), {
      code: 'CONFLICT',
      field: 'input.email',
      details: undefined,
    });
  });

  it('the service - SERVICE_UNAVAILABLE when not yet published, or when the event store is busy', () => {
    assert.equal(answer('restockProduct', new NotYetPublished())?.code, 'SERVICE_UNAVAILABLE');
    assert.equal(answer('restockProduct', new GroupCommitFull(1024))?.code, 'SERVICE_UNAVAILABLE');
  });

  it('anything else is left to the shared normalizer', () => {
    for (const error of [AppError.badInput('input.price', 'bad'), new Error('boom'), { code: '57P01' }, undefined]) {
      assert.equal(answer('createProduct', error), undefined);
    }
  });
});
