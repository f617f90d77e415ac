import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OperationTypeNode } from 'graphql';
import { operationCost, tokenKey } from '../../gateway/rate-limit/index.js';
import { deadlineIn, isExpired, parseDeadline, remainingMs } from '../../platform/deadline.js';

describe('deadline header', () => {
  it('deadlineIn - now plus the timeout, and parseDeadline reads it back', () => {
    assert.equal(deadlineIn(5_000, 1_000_000), 1_005_000);
    assert.equal(parseDeadline(String(deadlineIn(5_000, 1_000_000))), 1_005_000);
  });

  it('parseDeadline - absent, empty or malformed values are no deadline', () => {
    for (const raw of [undefined, null, '', 'soon', '-5', '1.5', '0', '12345678901234567', ' 1000']) {
      assert.equal(parseDeadline(raw), undefined, JSON.stringify(raw));
    }
  });

  it('remainingMs - the time left, never below 0, Infinity without a deadline', () => {
    assert.equal(remainingMs(1_500, 1_000), 500);
    assert.equal(remainingMs(1_000, 1_500), 0);
    assert.equal(remainingMs(undefined, 1_000), Number.POSITIVE_INFINITY);
  });

  it('isExpired - from the deadline on, never without one', () => {
    assert.equal(isExpired(1_000, 999), false);
    assert.equal(isExpired(1_000, 1_000), true);
    assert.equal(isExpired(undefined, Number.MAX_SAFE_INTEGER), false);
  });
});

describe('rate-limit keys and costs', () => {
  const config = { queryCost: 1, mutationCost: 5 };

  it('operationCost - mutations cost their own points; queries, subscriptions and unnamed operations a query', () => {
    assert.equal(operationCost(OperationTypeNode.MUTATION, config), 5);
    assert.equal(operationCost(OperationTypeNode.QUERY, config), 1);
    assert.equal(operationCost(OperationTypeNode.SUBSCRIPTION, config), 1);
    assert.equal(operationCost(undefined, config), 1);
  });

  it('tokenKey - tenant and subject; a long subject by a short hash; tenants never share a key', () => {
    assert.equal(tokenKey({ tenant: 'acme', userId: 'u1' }), 'acme:u1');
    assert.notEqual(tokenKey({ tenant: 'acme', userId: 'u1' }), tokenKey({ tenant: 'other', userId: 'u1' }));
    const long = tokenKey({ tenant: 'acme', userId: 'x'.repeat(10_000) });
    assert.ok(long.length < 64, long);
    assert.notEqual(long, tokenKey({ tenant: 'acme', userId: 'x'.repeat(10_001) }));
  });
});
