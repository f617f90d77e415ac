import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeConsistencyToken, encodeConsistencyToken } from '../../schema/consistency-token.js';
import {
  optionalNonNegativeInt,
  optionalString,
  requireAmount,
  requirePositiveInt,
  requirePrice,
  requireSku,
  requireString,
  requireUuid,
} from '../../schema/validation.js';
import { productAggregate } from '../../write-service/commands/product-commands.js';
import { commandNamed } from '../../write-service/registry.js';
import { assertBadInput } from '../support/assertions.js';
import { parseContext } from '../support/decider-spec.js';

const UUID = '0b7e5c52-3c1d-4e8a-9f01-5a6b7c8d9e0f';

describe('validation - sku', () => {
  it('sku - accepts letters, digits and dashes, upper-cased and trimmed', () => {
    assert.equal(requireSku('MUG-001'), 'MUG-001');
    assert.equal(requireSku('  mug-001 '), 'MUG-001');
    assert.equal(requireSku('A1B'), 'A1B');
    assert.equal(requireSku('X'.repeat(32)), 'X'.repeat(32));
  });

  it('sku - refuses what breaks the pattern, naming the field', () => {
    for (const bad of ['AB', 'X'.repeat(33), '-MUG', 'MUG_001', 'MUG 001', 'MUG.001', '', 42, null, undefined]) {
      assertBadInput(() => requireSku(bad), 'sku');
    }
    assertBadInput(() => requireSku('-x-', 'input.sku'), 'input.sku');
  });
});

describe('validation - strings', () => {
  it('title - 1 to 200 characters after trimming', () => {
    assert.equal(requireString('a', 'title'), 'a');
    assert.equal(requireString(' Enamel mug ', 'title'), 'Enamel mug');
    assert.equal(requireString('t'.repeat(200), 'title'), 't'.repeat(200));
    assertBadInput(() => requireString('', 'title'), 'title');
    assertBadInput(() => requireString('   ', 'title'), 'title');
    assertBadInput(() => requireString('t'.repeat(201), 'title'), 'title');
    assertBadInput(() => requireString(7, 'title'), 'title');
    assertBadInput(() => requireString(undefined, 'title'), 'title');
  });

  it('optional string - null and undefined are null, empty is allowed, too long is refused', () => {
    assert.equal(optionalString(undefined, 'description', 10), null);
    assert.equal(optionalString(null, 'description', 10), null);
    assert.equal(optionalString('', 'description', 10), '');
    assertBadInput(() => optionalString('d'.repeat(11), 'description', 10), 'description');
    assertBadInput(() => optionalString(3, 'description', 10), 'description');
  });
});

describe('validation - price', () => {
  it('price - normalizes to two decimals', () => {
    assert.equal(requirePrice('5'), '5.00');
    assert.equal(requirePrice('5.5'), '5.50');
    assert.equal(requirePrice('19.99'), '19.99');
    assert.equal(requirePrice('0.01'), '0.01');
    assert.equal(requirePrice('0.5'), '0.50');
  });

  it('price - must be greater than 0', () => {
    for (const zero of ['0', '0.0', '0.00']) assertBadInput(() => requirePrice(zero), 'price');
    assertBadInput(() => requirePrice('-1'), 'price');
  });

  it('price - at most two decimals, a plain decimal string, never a number', () => {
    for (const bad of ['1.999', '1.', '.5', '01.00', '1e2', '1,50', ' 5', 'NaN', 'Infinity', '', '12345678901', 5, 5.5, null]) {
      assertBadInput(() => requirePrice(bad), 'price');
    }
    assertBadInput(() => requirePrice('x', 'input.maxPrice'), 'input.maxPrice');
  });
});

describe('validation - uuids and integers', () => {
  it('uuid - accepts RFC 4122 ids, lower-cased', () => {
    assert.equal(requireUuid(UUID, 'id'), UUID);
    assert.equal(requireUuid(UUID.toUpperCase(), 'id'), UUID);
  });

  it('uuid - refuses anything else', () => {
    for (const bad of [
      '',
      'not-a-uuid',
      UUID.slice(1),
      `${UUID}0`,
      UUID.replaceAll('-', ''),
      '00000000-0000-0000-0000-000000000000',
      42,
      null,
    ]) {
      assertBadInput(() => requireUuid(bad, 'productId'), 'productId');
    }
  });

  it('positive int - integers from 1 to the max', () => {
    assert.equal(requirePositiveInt(1, 'quantity', 10), 1);
    assert.equal(requirePositiveInt(10, 'quantity', 10), 10);
    for (const bad of [0, -1, 1.5, 11, '3', NaN, Infinity, null, undefined]) {
      assertBadInput(() => requirePositiveInt(bad, 'quantity', 10), 'quantity');
    }
  });

  it('non-negative int - optional, 0 allowed', () => {
    assert.equal(optionalNonNegativeInt(undefined, 'initialStock', 10), undefined);
    assert.equal(optionalNonNegativeInt(null, 'initialStock', 10), undefined);
    assert.equal(optionalNonNegativeInt(0, 'initialStock', 10), 0);
    assert.equal(optionalNonNegativeInt(10, 'initialStock', 10), 10);
    for (const bad of [-1, 0.5, '1', 11]) assertBadInput(() => optionalNonNegativeInt(bad, 'initialStock', 10), 'initialStock');
  });
});

describe('product commands - parse', () => {
  const now = '2026-11-27T08:30:00.000Z';
  const newId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const context = parseContext(now, newId);
  const parse = (name: string, input: Record<string, unknown>) => {
    const parseInput = commandNamed(name)?.definition.parse;
    assert.ok(parseInput, `no client command ${name}`);
    const parsed = parseInput(input, context);
    // The aggregate id, as the handler takes it from the command, beside what parse returns.
    return { aggregateId: productAggregate.streamId(parsed.command as Parameters<typeof productAggregate.streamId>[0]), ...parsed };
  };
  const command = (parsed: { command: unknown }) => parsed.command as Record<string, unknown>;
  const createInput = { sku: 'mug-001', title: ' Enamel mug ', category: 'kitchen', price: '5' };

  it('every product mutation has a parser', () => {
    const parsers = Object.values(productAggregate.commands).filter((definition) => definition.parse !== undefined);
    assert.deepEqual(parsers.map((d) => d.name).sort(), [
      'changeProductPrice',
      'createProduct',
      'discontinueProduct',
      'renameProduct',
      'restockProduct',
    ]);
  });

  it('createProduct - normalizes the input and takes time and id from the context', () => {
    assert.deepEqual(parse('createProduct', createInput), {
      aggregateId: newId,
      command: {
        type: 'CreateProduct',
        productId: newId,
        sku: 'MUG-001',
        title: 'Enamel mug',
        description: null,
        category: 'kitchen',
        price: '5.00',
        currency: 'USD',
        initialStock: 0,
        now,
      },
    });
  });

  it('createProduct - a client-chosen id is kept (lower-cased)', () => {
    const parsed = parse('createProduct', { ...createInput, id: UUID.toUpperCase(), initialStock: 7 });
    assert.equal(parsed.aggregateId, UUID);
    assert.equal(command(parsed).productId, UUID);
    assert.equal(command(parsed).initialStock, 7);
  });

  it('createProduct - the price is in the currency given, USD when none is', () => {
    assert.equal(command(parse('createProduct', { ...createInput, currency: 'EUR' })).currency, 'EUR');
    assert.equal(command(parse('createProduct', { ...createInput, currency: null })).currency, 'USD');
    for (const currency of ['eur', 'EURO', 'E1R', ' EUR', '', 978]) {
      assertBadInput(() => parse('createProduct', { ...createInput, currency }), 'input.currency');
    }
  });

  it('createProduct - errors name the input field at fault', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...createInput, id: 'nope' }, 'input.id'],
      [{ ...createInput, sku: '??' }, 'input.sku'],
      [{ ...createInput, sku: undefined }, 'input.sku'],
      [{ ...createInput, title: '' }, 'input.title'],
      [{ ...createInput, title: 't'.repeat(201) }, 'input.title'],
      [{ ...createInput, description: 'd'.repeat(5001) }, 'input.description'],
      [{ ...createInput, category: 'c'.repeat(65) }, 'input.category'],
      [{ ...createInput, price: '0' }, 'input.price'],
      [{ ...createInput, price: '1.234' }, 'input.price'],
      [{ ...createInput, initialStock: -1 }, 'input.initialStock'],
    ];
    for (const [input, field] of cases) assertBadInput(() => parse('createProduct', input), field);
  });

  it('renameProduct - carries expectedVersion when given, including 0', () => {
    assert.deepEqual(parse('renameProduct', { id: UUID, title: 'Steel mug' }), {
      aggregateId: UUID,
      command: { type: 'RenameProduct', productId: UUID, title: 'Steel mug', now },
    });
    assert.equal(parse('renameProduct', { id: UUID, title: 'Steel mug', expectedVersion: 0 }).expectedVersion, 0);
    assert.equal(parse('renameProduct', { id: UUID, title: 'Steel mug', expectedVersion: null }).expectedVersion, undefined);
    assertBadInput(() => parse('renameProduct', { id: 'x', title: 'Steel mug' }), 'input.id');
    assertBadInput(() => parse('renameProduct', { id: UUID, title: ' ' }), 'input.title');
    assertBadInput(() => parse('renameProduct', { id: UUID, title: 'Steel mug', expectedVersion: -1 }), 'input.expectedVersion');
  });

  it('changeProductPrice - normalizes the price, names its fields', () => {
    const parsed = parse('changeProductPrice', { id: UUID, price: '7.5', expectedVersion: 3 });
    assert.deepEqual(parsed, {
      aggregateId: UUID,
      expectedVersion: 3,
      command: { type: 'ChangeProductPrice', productId: UUID, price: '7.50', now },
    });
    assertBadInput(() => parse('changeProductPrice', { id: UUID, price: 7.5 }), 'input.price');
    assertBadInput(() => parse('changeProductPrice', { price: '7.50' }), 'input.id');
  });

  it('restockProduct - quantity from 1 to 1,000,000', () => {
    assert.deepEqual(parse('restockProduct', { id: UUID, quantity: 1_000_000 }), {
      aggregateId: UUID,
      command: { type: 'RestockProduct', productId: UUID, quantity: 1_000_000, now },
    });
    for (const quantity of [0, -3, 1_000_001, 2.5]) assertBadInput(() => parse('restockProduct', { id: UUID, quantity }), 'input.quantity');
  });

  it('discontinueProduct - needs a UUID', () => {
    assert.deepEqual(parse('discontinueProduct', { id: UUID, expectedVersion: 2 }), {
      aggregateId: UUID,
      expectedVersion: 2,
      command: { type: 'DiscontinueProduct', productId: UUID, now },
    });
    assertBadInput(() => parse('discontinueProduct', {}), 'input.id');
  });
});

describe('consistency token', () => {
  it('token - round trips a stream position', () => {
    for (const position of [0, 1, 42, 1_000_000_007, 999_999_999_999_999]) {
      const token = encodeConsistencyToken(position);
      assert.equal(typeof token, 'string');
      assert.equal(decodeConsistencyToken(token), position);
    }
  });

  it('token - garbage is BAD_USER_INPUT on the argument', () => {
    for (const garbage of [
      '',
      '42',
      'ct1.',
      'ct1.-1',
      'ct1.1.5',
      'ct1.1e3',
      'ct1.0x10',
      'ct1. 5',
      'ct2.5',
      'CT1.5',
      'ct1.9999999999999999',
      'ct1.abc',
    ]) {
      assertBadInput(() => decodeConsistencyToken(garbage), 'consistencyToken');
    }
    assertBadInput(() => decodeConsistencyToken('nope', 'token'), 'token');
  });
});

describe('requireAmount - filter bounds', () => {
  it('accepts zero and normalizes, refuses negatives and more than 2 decimals', () => {
    assert.equal(requireAmount('0', 'filter.minPrice'), '0.00');
    assert.equal(requireAmount('7.5', 'filter.maxPrice'), '7.50');
    for (const bad of ['-1', '1.234', '', 'abc', 3]) {
      assertBadInput(() => requireAmount(bad, 'filter.minPrice'), 'filter.minPrice');
    }
  });
});
