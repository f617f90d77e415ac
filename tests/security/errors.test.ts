import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { errorWithoutSql, statementOf } from '../../platform/error-without-sql.js';
import { createProduct, productInput } from '../support/catalog.js';
import { REGISTER_CUSTOMER } from '../support/commerce.js';
import { gql } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';

const UUID = '00000000-0000-4000-8000-000000000000';
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A raw POST to /graphql. */
async function raw(url: string, body: string | Buffer, contentType = 'application/json') {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json' }, body });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** A clean GraphQL error answer: JSON `{ errors: [{ message, extensions: { code } }] }`, no HTML, no stack, no file paths. */
function assertJsonError(answer: { status: number; type: string; text: string }, status: number, what: string): void {
  assert.equal(answer.status, status, `${what}: ${answer.text}`);
  assert.match(answer.type, /application\/(graphql-response\+)?json/, what);
  assert.doesNotMatch(answer.text, /<html|<pre|\bat [\w.<>]+ \(|node_modules|\/work\/|dist\//i, what);
  const body = JSON.parse(answer.text) as { errors?: { message?: unknown; extensions?: { code?: unknown; stacktrace?: unknown } }[] };
  assert.equal(typeof body.errors?.[0]?.message, 'string', what);
  assert.equal(typeof body.errors?.[0]?.extensions?.code, 'string', what);
  assert.equal(body.errors?.[0]?.extensions?.stacktrace, undefined, what);
}

describe('security - errors: clean JSON for bad requests, BAD_USER_INPUT for bad inputs, no SQL in logs', () => {
  let system: TestSystem;
  let nc: NatsConnection;
  let commands = 0;

  before(async () => {
    system = await TestSystem.start('errors');
    nc = await connect({ servers: system.config.natsUrl });
    nc.subscribe(`${system.config.namespace}.command.>`, {
      callback: () => {
        commands += 1;
      },
    });
    await nc.flush();
  });
  after(async () => {
    await nc?.close();
    await system?.stop();
  });
  beforeEach(() => {
    commands = 0;
  });

  /** A query or mutation's first error: BAD_USER_INPUT naming `field`. */
  async function assertBadInput(query: string, variables: Record<string, unknown>, field: string | undefined): Promise<void> {
    const result = await gql(system.graphqlUrl, query, variables);
    const error = result.errors?.[0];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', `${field}: ${JSON.stringify(result.errors)}`);
    if (field !== undefined) assert.equal(error?.extensions?.field, field, JSON.stringify(result.errors));
  }

  it('malformed JSON answers a JSON BAD_REQUEST error (400), not an HTML page with a stack', async () => {
    for (const body of ['{"query":', '{query: "{ projections { name } }"}', '\u0000', '{"query": "x"}}']) {
      const answer = await raw(system.graphqlUrl, body);
      assertJsonError(answer, 400, JSON.stringify(body));
      assert.equal(JSON.parse(answer.text).errors[0].extensions.code, 'BAD_REQUEST');
    }
  });

  it('a body that is not a JSON object answers a JSON 400', async () => {
    for (const body of ['"a string"', '42', 'null', 'true', '[]', '[{"query":"{ projections { name } }"}]']) {
      assertJsonError(await raw(system.graphqlUrl, body), 400, body);
    }
  });

  it('an oversized body answers a JSON 413, and the mutation in it never reaches the write-service', async () => {
    const input = productInput({ description: 'x'.repeat(200_000) });
    const body = JSON.stringify({
      query: 'mutation($input: CreateProductInput!) { createProduct(input: $input) { aggregateId } }',
      variables: { input },
    });
    const answer = await raw(system.graphqlUrl, body);
    assertJsonError(answer, 413, 'oversized');
    await nc.flush();
    assert.equal(commands, 0);
  });

  it('a wrong content type answers a JSON 4xx', async () => {
    const query = JSON.stringify({ query: '{ projections { name } }' });
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await raw(system.graphqlUrl, query, type);
      assert.ok(answer.status >= 400 && answer.status < 500, `${type}: ${answer.status}`);
      assertJsonError(answer, answer.status, type);
    }
    // A charset body-parser cannot read.
    assertJsonError(await raw(system.graphqlUrl, query, 'application/json; charset=klingon'), 415, 'charset');
  });

  it('NUL bytes and lone surrogates in a mutation input are BAD_USER_INPUT naming the field, and nothing is written', async () => {
    const create = 'mutation($input: CreateProductInput!) { createProduct(input: $input) { aggregateId } }';
    await assertBadInput(create, { input: productInput({ title: 'mug\u0000' }) }, 'input.title');
    await assertBadInput(create, { input: productInput({ description: 'half a pair \ud83d' }) }, 'input.description');
    await assertBadInput(create, { input: productInput({ category: '\udc00kitchen' }) }, 'input.category');
    await assertBadInput(REGISTER_CUSTOMER, { input: { name: 'Ada\u0000', email: 'ada@example.com', region: 'eu' } }, 'input.name');
    await nc.flush();
    assert.equal(commands, 0, 'a refused input reached the write-service');
  });

  it('NUL bytes and lone surrogates in query arguments are BAD_USER_INPUT naming the argument', async () => {
    const products = 'query($s: String, $c: String) { products(search: $s, filter: { category: $c }) { totalCount } }';
    await assertBadInput(products, { s: 'mug\u0000' }, 'search');
    await assertBadInput(products, { s: '\ud800' }, 'search');
    await assertBadInput(products, { c: 'kitchen\u0000' }, 'filter.category');
    await assertBadInput(
      'query($r: String) { salesByRegion(from: "2026-01-01", to: "2026-01-02", region: $r) { day } }',
      { r: 'eu\u0000' },
      'region',
    );
  });

  it('forged cursors are BAD_USER_INPUT naming after, for every sort and for orders', async () => {
    const products = 'query($after: String, $sort: ProductSort) { products(after: $after, sort: $sort, first: 5) { totalCount } }';
    const forged: [string, string][] = [
      ['zzz!!', 'NEWEST'],
      [cursor(['not a number', UUID]), 'PRICE_ASC'],
      [cursor(['1e999999', UUID]), 'PRICE_DESC'],
      [cursor(['NaN', UUID]), 'RATING'],
      [cursor(['0000-01-01 00:00:00+00', UUID]), 'NEWEST'],
      [cursor(['2026-02-30 00:00:00+00', UUID]), 'NEWEST'],
      [cursor(['yesterday', UUID]), 'NEWEST'],
      [cursor(['mug\u0000', UUID]), 'TITLE'],
      [cursor(['12.5', 'not-a-uuid']), 'PRICE_ASC'],
      [cursor([{ $gt: 1 }, UUID]), 'PRICE_ASC'],
      [cursor(['12.5']), 'PRICE_ASC'],
      ['A'.repeat(5000), 'NEWEST'],
    ];
    for (const [after, sort] of forged) await assertBadInput(products, { after, sort }, 'after');
    const orders = 'query($after: String) { orders(after: $after) { totalCount } }';
    await assertBadInput(orders, { after: cursor(['0000-01-01T00:00:00.000000Z', UUID]) }, 'after');
    await assertBadInput(orders, { after: 'garbage' }, 'after');
  });

  it('impossible days in salesByRegion are BAD_USER_INPUT: year 0000, February 30th, month 13', async () => {
    const sales = 'query($from: Date!, $to: Date!) { salesByRegion(from: $from, to: $to) { day } }';
    for (const [from, to] of [
      ['0000-01-01', '0000-01-02'],
      ['2026-02-30', '2026-03-01'],
      ['2026-13-01', '2026-12-31'],
      ['2026-01-01', '2026-02-30'],
    ]) {
      await assertBadInput(sales, { from, to }, undefined);
    }
  });

  it('numbers out of range are BAD_USER_INPUT: a page size past Int, a huge price filter, a huge quantity', async () => {
    await assertBadInput('query($n: Int) { products(first: $n) { totalCount } }', { n: 2 ** 31 }, undefined);
    await assertBadInput('query($n: Int) { products(first: $n) { totalCount } }', { n: 1_000_000 }, 'first');
    await assertBadInput(
      'query($p: Decimal) { products(filter: { minPrice: $p }) { totalCount } }',
      { p: '99999999999999999999999999999999.99' },
      'filter.minPrice',
    );
    const created = await createProduct(system.graphqlUrl);
    commands = 0;
    await assertBadInput(
      'mutation($input: RestockProductInput!) { restockProduct(input: $input) { version } }',
      { input: { id: created.aggregateId, quantity: 2_000_000_000 } },
      'input.quantity',
    );
  });

  it('none of the above answered INTERNAL_SERVER_ERROR or logged an error or a statement', () => {
    for (const service of ['gateway', 'write', 'read']) {
      for (const line of system.logs(service)) {
        assert.doesNotMatch(line, /"level":(50|60)/, `${service} logged an error: ${line}`);
        assert.doesNotMatch(line, /\bselect\b.*\bfrom\b|\binsert into\b/i, `${service} logged SQL: ${line}`);
      }
    }
  });

  it('a failing statement is logged without its SQL above debug: the serializer keeps the code and the message', async () => {
    const orm = await MikroORM.init<PostgreSqlDriver>({
      driver: PostgreSqlDriver,
      clientUrl: system.config.readDatabaseUrl,
      entities: [],
      discovery: { warnWhenNoEntities: false },
      debug: false,
    });
    try {
      const failure = await orm.em
        .fork()
        .execute("select 'secret customer data'::int as n where 1 = ?", [1])
        .then(
          () => assert.fail('the statement should fail'),
          (error: unknown) => error,
        );
      const serialized = JSON.stringify(errorWithoutSql(failure));
      assert.match(serialized, /"code":"22P02"/);
      assert.match(serialized, /invalid input syntax for type integer/);
      assert.doesNotMatch(serialized, /select|where 1 = 1/i);
      assert.match(statementOf(failure) ?? '', /select 'secret customer data'::int/);
    } finally {
      await orm.close(true);
    }
  });
});
