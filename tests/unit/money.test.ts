import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromCents, multiply, sum, toCents } from '../../schema/money.js';

describe('money - cents', () => {
  it('toCents - reads decimal strings with 0, 1 or 2 decimals', () => {
    assert.equal(toCents('0'), 0n);
    assert.equal(toCents('0.00'), 0n);
    assert.equal(toCents('0.01'), 1n);
    assert.equal(toCents('0.1'), 10n);
    assert.equal(toCents('0.10'), 10n);
    assert.equal(toCents('1.05'), 105n);
    assert.equal(toCents('42'), 4200n);
    assert.equal(toCents('42.00'), 4200n);
    assert.equal(toCents('19.99'), 1999n);
    assert.equal(toCents('9999999999.99'), 999999999999n);
  });

  it('toCents - negatives', () => {
    assert.equal(toCents('-0.01'), -1n);
    assert.equal(toCents('-0.5'), -50n);
    assert.equal(toCents('-19.99'), -1999n);
    assert.equal(toCents('-42'), -4200n);
  });

  it('fromCents - always two decimals', () => {
    assert.equal(fromCents(0n), '0.00');
    assert.equal(fromCents(1n), '0.01');
    assert.equal(fromCents(10n), '0.10');
    assert.equal(fromCents(105n), '1.05');
    assert.equal(fromCents(4200n), '42.00');
    assert.equal(fromCents(123456789012345678n), '1234567890123456.78');
  });

  it('fromCents - negatives keep the sign in front of the units', () => {
    assert.equal(fromCents(-1n), '-0.01');
    assert.equal(fromCents(-50n), '-0.50');
    assert.equal(fromCents(-1999n), '-19.99');
  });

  it('round trip - fromCents(toCents(x)) normalizes, toCents(fromCents(c)) is c', () => {
    for (const [amount, normalized] of [
      ['5', '5.00'],
      ['5.5', '5.50'],
      ['0.07', '0.07'],
      ['-3.1', '-3.10'],
      ['1000000.01', '1000000.01'],
    ]) {
      assert.equal(fromCents(toCents(amount!)), normalized);
    }
    for (let cents = -1005n; cents <= 1005n; cents += 1n) assert.equal(toCents(fromCents(cents)), cents);
  });
});

describe('money - arithmetic', () => {
  it('multiply - exact where floats drift', () => {
    assert.equal(multiply('0.10', 3), '0.30'); // 0.1 * 3 = 0.30000000000000004 in float
    assert.equal(multiply('0.07', 3), '0.21');
    assert.equal(multiply('1.15', 100), '115.00');
    assert.equal(multiply('19.99', 0), '0.00');
    assert.equal(multiply('12.50', 1), '12.50');
  });

  it('multiply - large amounts stay exact', () => {
    assert.equal(multiply('9999999999.99', 10_000), '99999999999900.00');
  });

  it('multiply - negatives', () => {
    assert.equal(multiply('-0.10', 3), '-0.30');
    assert.equal(multiply('0.10', -3), '-0.30');
  });

  it('sum - exact where floats drift', () => {
    assert.equal(sum(['0.10', '0.20']), '0.30'); // 0.1 + 0.2 = 0.30000000000000004 in float
    assert.equal(sum(Array.from({ length: 1000 }, () => '0.01')), '10.00');
    assert.equal(sum(Array.from({ length: 1000 }, () => '0.10')), '100.00');
    assert.equal(sum(Array.from({ length: 10_000 }, () => '19.99')), '199900.00');
  });

  it('sum - nothing is zero, negatives cancel', () => {
    assert.equal(sum([]), '0.00');
    assert.equal(sum(['10.00', '-2.50', '-7.50']), '0.00');
    assert.equal(sum(['1.00', '-2.01']), '-1.01');
  });

  it('sum - mixes normalized and unnormalized amounts', () => {
    assert.equal(sum(['5', '5.5', '0.05']), '10.55');
  });
});
