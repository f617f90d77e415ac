import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenSeal } from '../../gateway/token-seal.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';
import { requireSafeStrings } from '../../schema/text-safety.js';
import { assertBadInput } from '../support/assertions.js';

const KEY = 'token-seal-unit-key-0123456789abcdef';

describe('security - sealed consistency tokens (unit)', () => {
  const seal = createTokenSeal(KEY);

  it('a sealed token opens to its position', () => {
    for (const position of [0, 1, 41, 2 ** 40, 10 ** 15 - 1]) {
      const sealed = seal.seal(encodeConsistencyToken(position));
      assert.match(sealed, /^ct2\.[A-Za-z0-9_-]{48}$/);
      assert.equal(seal.open(sealed), encodeConsistencyToken(position));
    }
  });

  it('sealing is deterministic (a replayed command answers the same token) and positions differ', () => {
    assert.equal(seal.seal('ct1.7'), seal.seal('ct1.7'));
    assert.notEqual(seal.seal('ct1.7'), seal.seal('ct1.8'));
  });

  it('raw positions, other keys, tampered and made-up tokens are BAD_USER_INPUT naming the field', () => {
    const sealed = seal.seal('ct1.7');
    const tampered = `${sealed.slice(0, 10)}${sealed[10] === 'A' ? 'B' : 'A'}${sealed.slice(11)}`;
    const foreign = createTokenSeal('another-key-another-key-0123456789').seal('ct1.7');
    for (const token of ['ct1.7', 'ct1.999999999999', tampered, foreign, `ct2.${'A'.repeat(48)}`, 'ct2.', `${sealed}=`, ' ' + sealed]) {
      assertBadInput(() => seal.open(token), 'consistencyToken');
    }
    assertBadInput(() => seal.open('ct1.7', 'after'), 'after');
  });
});

describe('security - unsafe strings (unit)', () => {
  it('NUL, control characters and lone surrogates are refused with their path; tabs, newlines and pairs are not', () => {
    requireSafeStrings({ title: 'tab\there\nnew line\r', emoji: 'mug \ud83c\udf75', list: ['a', 'b'] }, 'input');
    assertBadInput(() => requireSafeStrings({ title: 'a\u0000b' }, 'input'), 'input.title');
    assertBadInput(() => requireSafeStrings({ lines: [{ sku: 'x' }, { sku: 'y\u001b' }] }, 'input'), 'input.lines[1].sku');
    assertBadInput(() => requireSafeStrings({ filter: { category: '\ud800' } }, ''), 'filter.category');
    assertBadInput(() => requireSafeStrings({ search: 'end\udfff' }, ''), 'search');
    assertBadInput(() => requireSafeStrings({ ['key\u0000']: 1 }, 'input'), 'input.key\u0000');
  });
});
