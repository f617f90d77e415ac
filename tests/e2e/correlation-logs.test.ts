import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createProduct } from '../support/catalog.js';
import { placeOrder, registerCustomer } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

type LogLine = Record<string, unknown>;

describe('correlation ids in logs and events', () => {
  let system: TestSystem;
  /** A service's JSON log lines that carry this correlation id. */
  const linesOf = (service: string, correlationId: string): LogLine[] =>
    system
      .logs(service)
      .filter((line) => line.includes(correlationId))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.correlationId === correlationId);

  before(async () => {
    // Debug: the read-service logs each projection batch there.
    system = await TestSystem.start('corr-logs', { LOG_LEVEL: 'debug' });
  });
  after(async () => {
    await system?.stop();
  });

  it("the X-Correlation-ID of a mutation is on the write-service's command line and on the read-service's batch lines", async () => {
    const correlationId = `corr-${randomUUID()}`;
    const created = await createProduct(system.graphqlUrl, {}, { 'x-correlation-id': correlationId });
    assert.equal(created.correlationId, correlationId);
    await waitFor(() => linesOf('write', correlationId).some((line) => line.msg === 'command'), {
      what: "the write-service's command line",
    });
    const command = linesOf('write', correlationId).find((line) => line.msg === 'command')!;
    assert.equal(command.level, 30, 'at info');
    assert.equal(command.command, 'createProduct');
    assert.equal(command.outcome, 'ok');
    assert.equal(typeof command.ms, 'number');
    await waitFor(() => linesOf('read', correlationId).some((line) => line.msg === 'batch'), {
      what: "the read-service's batch lines for its events",
    });
    const projections = new Set(linesOf('read', correlationId).map((line) => line.projection));
    assert.ok(projections.size >= 1, `batches of ${[...projections].join(', ')}`);
    // And the gateway's line for the operation itself (at debug).
    await waitFor(() => linesOf('gateway', correlationId).some((line) => line.msg === 'operation'), {
      what: "the gateway's operation line",
    });
    const operation = linesOf('gateway', correlationId).find((line) => line.msg === 'operation')!;
    assert.deepEqual([operation.operation, operation.operationName, operation.outcome], ['mutation', 'Create', 'ok']);
  });

  it("a query's X-Correlation-ID is on the gateway's and the read-service's lines for it", async () => {
    const correlationId = `corr-${randomUUID()}`;
    const response = await fetch(system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ query: 'query Page { products(first: 1) { totalCount } }' }),
    });
    assert.equal(response.status, 200);
    await waitFor(() => linesOf('read', correlationId).some((line) => line.msg === 'query' && line.query === 'products'), {
      what: "the read-service's query line",
    });
    await waitFor(() => linesOf('gateway', correlationId).some((line) => line.msg === 'operation' && line.operationName === 'Page'), {
      what: "the gateway's operation line",
    });
  });

  it("a refused command's line names its outcome", async () => {
    const correlationId = `corr-${randomUUID()}`;
    const response = await fetch(system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({
        query: 'mutation($input: RestockProductInput!) { restockProduct(input: $input) { version } }',
        variables: { input: { id: randomUUID(), quantity: 1 } },
      }),
    });
    assert.equal(response.status, 200);
    await waitFor(() => linesOf('write', correlationId).some((line) => line.msg === 'command'), {
      what: "the write-service's command line",
    });
    const command = linesOf('write', correlationId).find((line) => line.msg === 'command')!;
    assert.notEqual(command.outcome, 'ok');
  });

  it("the saga's events name the OrderPlaced they follow as their causationId, with the order's correlation id", async () => {
    const product = await createProduct(system.graphqlUrl, { initialStock: 3 });
    const customer = await registerCustomer(system.graphqlUrl);
    const correlationId = `corr-${randomUUID()}`;
    const placed = await placeOrder(system.graphqlUrl, customer.aggregateId, [{ productId: product.aggregateId, quantity: 1 }], {
      'x-correlation-id': correlationId,
    });
    const orderId = placed.data!.placeOrder.aggregateId;
    const client = new pg.Client({ connectionString: system.config.writeDatabaseUrl });
    await client.connect();
    try {
      const ofOrder = async () =>
        (
          await client.query<{ event_id: string; type: string; metadata: { correlationId: string; causationId?: string } }>(
            `select event_id, type, metadata from events
              where metadata->>'correlationId' = $1 order by global_position`,
            [correlationId],
          )
        ).rows;
      await waitFor(async () => (await ofOrder()).some((row) => row.type === 'OrderConfirmed'), { what: 'the saga to confirm the order' });
      const rows = await ofOrder();
      const orderPlaced = rows.find((row) => row.type === 'OrderPlaced')!;
      assert.equal(orderPlaced.metadata.causationId, undefined, "a client's command has no cause");
      const caused = rows.filter((row) => row.type !== 'OrderPlaced');
      assert.deepEqual(caused.map((row) => row.type).sort(), ['OrderConfirmed', 'StockReserved']);
      for (const row of caused) assert.equal(row.metadata.causationId, orderPlaced.event_id, row.type);
      assert.ok(orderId);
    } finally {
      await client.end();
    }
  });
});
