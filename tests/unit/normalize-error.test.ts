import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { buildSchema, execute, GraphQLError, locatedError, parse, subscribe, type ExecutionResult } from 'graphql';
import { AppError, ErrorCode } from '../../schema/errors.js';
import { asGraphQLError, formatResult, normalizeError, parseFailed, validationFailed } from '../../gateway/index.js';

const schema = buildSchema(`
  type Query { thing(n: Int!): Int, count: Int }
  type Subscription { ticks(n: Int!): Int }
`);

/** What graphql-js makes of a resolver that throws `thrown`: the located error it reports. */
async function fieldFailure(thrown: unknown): Promise<GraphQLError> {
  const result = await execute({
    schema,
    document: parse('{ thing(n: 1) }'),
    rootValue: {
      thing: () => {
        throw thrown;
      },
    },
  });
  assert.equal(result.errors?.length, 1);
  return result.errors[0]!;
}

describe('normalize error - what clients see', () => {
  it("normalize error - an AppError thrown in a resolver keeps its code, field and details, at the field's path", async () => {
    const error = await fieldFailure(AppError.concurrencyConflict(1, 2));
    assert.deepEqual(normalizeError(error), {
      message: 'expected version 1 but the aggregate is at version 2',
      locations: [{ line: 1, column: 3 }],
      path: ['thing'],
      extensions: { code: 'CONCURRENCY_CONFLICT', field: 'input.expectedVersion', expectedVersion: 1, currentVersion: 2 },
    });
  });

  it('normalize error - details never replace the code or the field', () => {
    const error = new AppError(ErrorCode.INVALID_STATE, 'paid already', 'input.id', { code: 'OK', field: 'x', status: 'PAID' });
    assert.deepEqual(normalizeError(error).extensions, { code: 'INVALID_STATE', field: 'input.id', status: 'PAID' });
  });

  it('normalize error - an unknown error is INTERNAL_SERVER_ERROR, without its message', async () => {
    const error = await fieldFailure(new Error('relation "product_view" does not exist'));
    assert.deepEqual(normalizeError(error), {
      message: 'Internal server error',
      locations: [{ line: 1, column: 3 }],
      path: ['thing'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    assert.deepEqual(normalizeError('a string'), { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    assert.deepEqual(normalizeError(undefined).extensions, { code: 'INTERNAL_SERVER_ERROR' });
  });

  it('normalize error - never throws, whatever it is given', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        getPrototypeOf() {
          throw new Error('boom');
        },
      },
    );
    assert.deepEqual(normalizeError(hostile), { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it("normalize error - graphql-ws's wrapper of a failed subscription is looked through (RATE_LIMITED, SERVICE_UNAVAILABLE)", () => {
    for (const code of [ErrorCode.RATE_LIMITED, ErrorCode.SERVICE_UNAVAILABLE]) {
      const thrown = new AppError(code, 'subscribe again');
      const wrapped = new GraphQLError(thrown.message, { originalError: thrown });
      assert.deepEqual(normalizeError(wrapped), { message: 'subscribe again', extensions: { code } });
    }
    const bug = new TypeError("Cannot read properties of undefined (reading 'version')");
    assert.deepEqual(normalizeError(new GraphQLError(bug.message, { originalError: bug })).message, 'Internal server error');
  });

  it("normalize error - Apollo's coded errors keep their message and code, without `http` or a stack trace", () => {
    const error = new GraphQLError('POST body missing', {
      extensions: { code: ApolloServerErrorCode.BAD_REQUEST, http: { status: 400 }, stacktrace: ['at x'] },
    });
    assert.deepEqual(normalizeError(error), { message: 'POST body missing', extensions: { code: 'BAD_REQUEST' } });
  });

  it("normalize error - graphql-js's own errors keep their message; a variable that does not coerce is BAD_USER_INPUT", async () => {
    const unserializable = await execute({ schema, document: parse('{ count }'), rootValue: { count: () => 'many' } });
    assert.deepEqual(normalizeError(unserializable.errors?.[0]), {
      message: 'Int cannot represent non-integer value: "many"',
      locations: [{ line: 1, column: 3 }],
      path: ['count'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });

    const badVariable = await subscribe({
      schema,
      document: parse('subscription($n: Int!) { ticks(n: $n) }'),
      variableValues: { n: 'three' },
    });
    assert.ok('errors' in badVariable);
    const normalized = normalizeError(badVariable.errors?.[0]);
    assert.equal(normalized.extensions?.code, 'BAD_USER_INPUT');
    assert.match(normalized.message, /Variable "\$n" got invalid value "three"/);
  });

  it('normalize error - a document that does not parse or validate carries the code Apollo gives it', () => {
    let syntax: GraphQLError | undefined;
    try {
      parse('subscription {');
    } catch (error) {
      syntax = error as GraphQLError;
    }
    assert.equal(normalizeError(parseFailed(syntax!)).extensions?.code, ApolloServerErrorCode.GRAPHQL_PARSE_FAILED);
    const invalid = new GraphQLError('Cannot query field "nosuchfield" on type "Query".');
    assert.deepEqual(normalizeError(validationFailed(invalid)), {
      message: 'Cannot query field "nosuchfield" on type "Query".',
      extensions: { code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED },
    });
  });

  it('normalize error - asGraphQLError carries the original and the HTTP status of a refused request', () => {
    const refused = asGraphQLError(new AppError(ErrorCode.UNAUTHENTICATED, 'the token has expired'));
    assert.deepEqual(refused.extensions, { http: { status: 401 } });
    assert.deepEqual(normalizeError(refused), { message: 'the token has expired', extensions: { code: 'UNAUTHENTICATED' } });
    const limited = asGraphQLError(new AppError(ErrorCode.RATE_LIMITED, 'too many'));
    assert.equal(limited.extensions.http, undefined);
    assert.equal(normalizeError(limited).extensions?.code, 'RATE_LIMITED');
    assert.equal(normalizeError(asGraphQLError(new Error('pg: connection refused'))).message, 'Internal server error');
    assert.equal(normalizeError(asGraphQLError(42)).message, 'Internal server error');
  });

  it('normalize error - formatResult keeps the data and normalizes every error', async () => {
    const located = locatedError(new AppError(ErrorCode.NOT_FOUND, 'product x not found'), undefined, ['product']);
    const formatted = formatResult({
      data: { product: null },
      errors: [located, new GraphQLError('oops', { originalError: new Error('sql') })],
    });
    assert.deepEqual(formatted, {
      data: { product: null },
      errors: [
        { message: 'product x not found', path: ['product'], extensions: { code: 'NOT_FOUND' } },
        { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ],
    });
    const fine: ExecutionResult = { data: { ok: 1 } };
    assert.deepEqual(formatResult(fine), { data: { ok: 1 } });
  });
});
