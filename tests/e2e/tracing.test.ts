import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createProduct } from '../support/catalog.js';
import { placeOrder, registerCustomer } from '../support/commerce.js';
import { gqlData, SubscriptionRecorder, wsClient } from '../support/graphql-client.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const WATCH = `subscription Watch($id: ID!, $token: String) {
  productUpdated(id: $id, consistencyToken: $token) { id availableQuantity version }
}`;
const RESTOCK = 'mutation Restock($input: RestockProductInput!) { restockProduct(input: $input) { version consistencyToken } }';
const READ = 'query ReadProducts($token: String) { products(first: 1, consistencyToken: $token) { totalCount } }';

/** A client's own trace: a W3C traceparent with a fresh trace id, sampled. */
function clientTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** The span id a traceparent names. */
const clientSpanId = (traceparent: string) => traceparent.split('-')[2];

const SPAN_KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

describe('tracing - one trace from the mutation to the live push (OTLP/HTTP JSON)', () => {
  let receiver: OtlpReceiver;
  let system: TestSystem;
  const inTrace = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  const named = (spans: ReceivedSpan[], service: string, name: string | RegExp) =>
    spans.find((span) => span.service === service && (typeof name === 'string' ? span.name === name : name.test(span.name)));

  before(async () => {
    receiver = await OtlpReceiver.start();
    system = await TestSystem.start('tracing', receiver.env());
  });
  after(async () => {
    await system?.stop();
    await receiver?.stop();
  });

  it('a restock under a client traceparent: gateway -> write-service -> relay -> projection -> push, all in the client trace', async () => {
    const created = await createProduct(system.graphqlUrl, { title: 'Traced lantern', initialStock: 1 });
    const client = wsClient(system.graphqlUrl);
    const watch = new SubscriptionRecorder<{ productUpdated: { version: number } }>(client, WATCH, {
      id: created.aggregateId,
      token: created.consistencyToken,
    });
    const { traceId, traceparent } = clientTrace();
    try {
      await waitFor(() => watch.values.length >= 1, { what: 'the current view' });
      await gqlData(system.graphqlUrl, RESTOCK, { input: { id: created.aggregateId, quantity: 4 } }, { traceparent });
      await waitFor(() => watch.values.length >= 2, { what: 'the pushed change' });
    } finally {
      watch.close();
      await client.dispose();
    }
    const expected: [string, string | RegExp][] = [
      ['gateway', 'graphql.parse'],
      ['gateway', 'graphql.validate'],
      ['gateway', 'mutation Restock'],
      ['write-service', 'command restockProduct'],
      ['write-service', 'decide RestockProduct'],
      ['write-service', 'append Product'],
      ['write-service', 'publish event'],
      ['read-service', /^projection /],
      ['gateway', 'push product'],
    ];
    const missing = () => expected.filter(([service, name]) => !named(inTrace(traceId), service, name));
    await waitFor(() => missing().length === 0, {
      what: 'every span of the restock in its trace',
      timeoutMs: 10_000,
    }).catch((error: Error) => {
      const seen = inTrace(traceId).map((s) => `${s.service}: ${s.name}`);
      throw new Error(`${error.message}; missing ${JSON.stringify(missing().map(String))}, seen ${JSON.stringify(seen)}`);
    });
    const spans = inTrace(traceId);
    const span = (service: string, name: string | RegExp) => named(spans, service, name)!;
    // The GraphQL spans come from @opentelemetry/instrumentation-graphql; execution is named by the operation.
    for (const name of ['graphql.parse', 'graphql.validate', 'mutation Restock']) {
      assert.equal(span('gateway', name).scope, '@opentelemetry/instrumentation-graphql', name);
    }
    assert.equal(span('gateway', 'mutation Restock').attributes['graphql.operation.name'], 'Restock');
    // The operation continues the client's span (its traceparent header); then, parent to child across the processes:
    // its command (the NATS request's headers), the append, the publish, the projection, the push.
    const operation = span('gateway', 'mutation Restock');
    assert.equal(operation.parentSpanId, clientSpanId(traceparent), "the operation is the client span's child");
    const command = span('write-service', 'command restockProduct');
    assert.equal(command.kind, SPAN_KIND.SERVER);
    assert.equal(command.parentSpanId, operation.spanId, 'the command continues the operation (NATS headers)');
    assert.equal(
      named(spans, 'gateway', /command\.restockProduct$/),
      undefined,
      'no client span of its own for the command (decision #50)',
    );
    const append = span('write-service', 'append Product');
    const publish = span('write-service', 'publish event');
    assert.equal(publish.parentSpanId, append.spanId, "the relay's publish continues the append (the event's metadata)");
    const projection = spans.find(
      (s) => s.service === 'read-service' && s.name.startsWith('projection ') && s.parentSpanId === publish.spanId,
    );
    assert.ok(projection, "a projection's batch continues the publish (the JetStream headers)");
    assert.ok(
      projection.links.some((link) => link.spanId === publish.spanId),
      'and is linked to the trace of every event of its batch',
    );
    const commandLine = system
      .logs('write')
      .filter((line) => line.includes(traceId))
      .map((line) => JSON.parse(line) as { msg: string; traceId: string; correlationId: string });
    assert.ok(
      commandLine.some((line) => line.msg === 'command' && line.traceId === traceId && line.correlationId),
      "the command's log line names its trace and correlation id",
    );
    // The command's statements make no spans of their own in the write-service (decision #49): the
    // append's is inside `append Product`. The projection batch is one span: its statements make none (#48).
    const statements = spans.filter((s) => s.name.startsWith('pg.query:'));
    assert.deepEqual(
      statements.filter((s) => s.service === 'write-service').map((s) => s.name),
      [],
      "no statement spans in the write-service's part",
    );
    assert.deepEqual(
      statements.filter((s) => s.parentSpanId === projection.spanId).map((s) => s.name),
      [],
      "no statement spans under the projection's batch",
    );
    const push = span('gateway', 'push product');
    assert.ok(
      spans.some((s) => s.spanId === push.parentSpanId && s.service === 'read-service'),
      'the push continues the batch that made the change',
    );
  });

  it('a mutation without a traceparent starts a trace of its own, which the write-service continues', async () => {
    const created = await createProduct(system.graphqlUrl, { title: 'Untraced lantern' });
    const restock = 'mutation RestockWithoutTrace($input: RestockProductInput!) { restockProduct(input: $input) { version } }';
    await gqlData(system.graphqlUrl, restock, { input: { id: created.aggregateId, quantity: 2 } });
    const operation = await waitFor(() => named(receiver.spans, 'gateway', 'mutation RestockWithoutTrace'), {
      what: "the operation's span",
      timeoutMs: 10_000,
    });
    assert.equal(operation.parentSpanId, '', 'the root of a new trace');
    const command = await waitFor(() => named(inTrace(operation.traceId), 'write-service', 'command restockProduct'), {
      what: 'the command in the same trace',
      timeoutMs: 10_000,
    });
    assert.equal(command.kind, SPAN_KIND.SERVER);
  });

  it('a query with a consistency token: its read-service span and the wait, in the client trace', async () => {
    const created = await createProduct(system.graphqlUrl, { title: 'Read lantern' });
    const { traceId, traceparent } = clientTrace();
    await gqlData(system.graphqlUrl, READ, { token: created.consistencyToken }, { traceparent });
    await waitFor(
      () => ['query products', 'consistency wait', 'handle products'].every((name) => named(inTrace(traceId), 'read-service', name)),
      {
        what: "the query's spans",
        timeoutMs: 10_000,
      },
    );
    const spans = inTrace(traceId);
    const query = named(spans, 'read-service', 'query products')!;
    assert.equal(named(spans, 'read-service', 'consistency wait')!.parentSpanId, query.spanId);
    // A query's requests keep their client spans (an operation may make several), under the operation's.
    const operation = named(spans, 'gateway', 'query ReadProducts');
    assert.ok(operation, 'the execution span of the operation');
    const request = named(spans, 'gateway', /query\.products$/);
    assert.equal(request?.kind, SPAN_KIND.CLIENT, "the request's client span");
    assert.equal(request.parentSpanId, operation.spanId);
    assert.equal(query.parentSpanId, request.spanId, 'the query continues the request (NATS headers)');
    // The query's statements are in the trace, but not the data they carry inline: MikroORM's
    // interpolated values are string literals, recorded as `?` (decision #47).
    const handle = named(spans, 'read-service', 'handle products')!;
    const statements = spans.filter((s) => s.name.startsWith('pg.query:') && s.parentSpanId === handle.spanId);
    assert.ok(statements.length > 0, "the query's statements");
    const texts = statements.map((s) => String(s.attributes['db.query.text']));
    assert.deepEqual(
      texts.filter((text) => text.includes("'demo'")),
      [],
      `no statement text carries the tenant: ${JSON.stringify(texts)}`,
    );
  });

  it("a repeated operation's span carries its text every time, values masked (made once per document, decision #51)", async () => {
    const traces = [clientTrace(), clientTrace()];
    // The second request executes Apollo's cached document, whose text the gateway kept from the first.
    for (const { traceparent } of traces) await gqlData(system.graphqlUrl, READ, {}, { traceparent });
    const operations = await waitFor(
      () => {
        const found = traces.map(({ traceId }) => named(inTrace(traceId), 'gateway', 'query ReadProducts'));
        return found.every(Boolean) ? found : undefined;
      },
      { what: 'the spans of both operations', timeoutMs: 10_000 },
    );
    assert.deepEqual(
      operations.map((span) => span!.attributes['graphql.source']),
      // As instrumentation-graphql writes it: from the tokens, so without the comma (not a token in GraphQL).
      Array(2).fill('query ReadProducts($token: String) { products(first: *  consistencyToken: $token) { totalCount } }'),
    );
  });

  it("an order: the saga's steps continue the trace of the OrderPlaced they handle", async () => {
    const product = await createProduct(system.graphqlUrl, { initialStock: 5 });
    const customer = await registerCustomer(system.graphqlUrl);
    const { traceId, traceparent } = clientTrace();
    const placed = await placeOrder(system.graphqlUrl, customer.aggregateId, [{ productId: product.aggregateId, quantity: 2 }], {
      traceparent,
    });
    assert.equal(placed.errors, undefined);
    const stepNames = ['saga order_saga OrderPlaced', 'saga step ReserveStock', 'saga step ConfirmOrder', 'append Order'];
    await waitFor(() => stepNames.every((name) => named(inTrace(traceId), 'write-service', name)), {
      what: "the saga's spans in the order's trace",
      timeoutMs: 10_000,
    });
    const spans = inTrace(traceId);
    const saga = named(spans, 'write-service', 'saga order_saga OrderPlaced')!;
    assert.equal(saga.kind, SPAN_KIND.CONSUMER);
    assert.equal(named(spans, 'write-service', 'saga step ConfirmOrder')!.parentSpanId, saga.spanId);
  });
});
