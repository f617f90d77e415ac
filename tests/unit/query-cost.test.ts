import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../../gateway/index.js';
import { costEstimators, limitErrorOf, operationCost } from '../../gateway/limits/index.js';
import { AppError } from '../../schema/index.js';

describe('query cost - the model the edge refuses QUERY_TOO_COMPLEX by', () => {
  let schema: GraphQLSchema;
  const estimators = costEstimators({ consistencyTokenCost: 1000 });
  const cost = (query: string, variables: Record<string, unknown> = {}) =>
    operationCost(schema, estimators, parse(query), undefined, variables);
  before(async () => {
    schema = await buildGatewaySchema();
  });

  it('query cost - a page costs its first times its selection', () => {
    assert.equal(cost('{ products(first: 100) { edges { node { id title } } } }'), 1 + 100 * (1 + 1 + 2));
  });

  it('query cost - first and limit default to the read-service defaults (20 and 10) when absent', () => {
    assert.equal(cost('{ products { edges { node { id } } } }'), 1 + 20 * 3);
    assert.equal(cost('{ topProducts { productId } }'), 1 + 10 * 1);
  });

  it('query cost - first from variables, and past 100 costed as 100 (the read-service refuses it)', () => {
    assert.equal(cost('query($n: Int) { products(first: $n) { totalCount } }', { n: 7 }), 1 + 7);
    assert.equal(cost('{ products(first: 1000000) { totalCount } }'), 1 + 100);
  });

  it('query cost - a consistency token adds its cost, an absent or null one nothing', () => {
    assert.equal(cost('{ product(id: "p", consistencyToken: "ct1.1") { id } }'), 1 + 1000 + 1);
    assert.equal(cost('query($t: String) { product(id: "p", consistencyToken: $t) { id } }', { t: null }), 2);
  });

  it('query cost - variables that do not coerce give no cost (execution refuses them)', () => {
    assert.equal(cost('query($n: Int) { products(first: $n) { totalCount } }', { n: 'many' }), undefined);
  });

  it('query cost - remembered per document: by operation and by the values of the variables the cost reads, not by the others', () => {
    const page = parse('query($n: Int, $after: String) { products(first: $n, after: $after) { totalCount } }');
    const of = (document: ReturnType<typeof parse>, variables: Record<string, unknown>, operationName?: string) =>
      operationCost(schema, estimators, document, operationName, variables);
    assert.equal(of(page, { n: 7, after: 'a' }), 1 + 7);
    assert.equal(of(page, { n: 50, after: 'a' }), 1 + 50);
    assert.equal(of(page, { n: 7, after: 'b' }), 1 + 7);
    assert.equal(of(page, { n: 'many' }), undefined);
    const waits = parse('query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { id } }');
    assert.equal(of(waits, { id: 'p1', t: null }), 2);
    assert.equal(of(waits, { id: 'p2', t: 'ct2.x' }), 1 + 1000 + 1);
    const two = parse('query A { products(first: 3) { totalCount } } query B { products(first: 9) { totalCount } }');
    assert.deepEqual([of(two, {}, 'A'), of(two, {}, 'B'), of(two, {}, 'A')], [1 + 3, 1 + 9, 1 + 3]);
  });

  it("limit errors - graphql-js's token refusal is recognised (guards its wording)", () => {
    assert.throws(
      () => parse('{ a b c }', { maxTokens: 3 }),
      (error: GraphQLError) => {
        const limit = limitErrorOf(error);
        const original = limit?.originalError;
        assert.ok(original instanceof AppError);
        assert.deepEqual([original.code, original.details], ['QUERY_TOO_COMPLEX', { limit: 'tokens', max: 3 }]);
        return true;
      },
    );
    assert.equal(limitErrorOf(new GraphQLError('Cannot query field "x" on type "Query".')), undefined);
  });
});
