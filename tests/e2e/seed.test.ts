import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { gqlData } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { countEvents } from '../support/write-db.js';

const run = promisify(execFile);
const seedScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/seed.js');

describe('npm run seed', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('seed');
  });
  after(async () => {
    await system?.stop();
  });

  it('fills a shop through the API, with orders in every state the saga leaves, and a second run adds nothing', async () => {
    const first = await run(process.execPath, [seedScript], { env: { ...process.env, SEED_URL: system.graphqlUrl } });
    assert.match(first.stdout, /products 200, customers 50, orders 500/);
    // The saga releases the stock of cancelled orders after the seed's last mutation.
    await waitFor(
      async () =>
        (await countEvents(
          system.config,
          `type = 'OrderCancelled' and exists (
      select 1 from jsonb_array_elements(data->'lines') line where not exists (
        select 1 from events r where r.type = 'StockReleased' and r.stream_id = line->>'productId' and r.data->>'orderId' = events.stream_id))`,
        )) === 0,
      { what: 'the saga to release the stock of every cancelled order' },
    );
    const events = await countEvents(system.config);

    const second = await run(process.execPath, [seedScript], { env: { ...process.env, SEED_URL: system.graphqlUrl } });
    assert.match(second.stdout, /mutations: 0 executed, \d+ replayed/);
    assert.equal(await countEvents(system.config), events);

    const data = await gqlData<Record<string, { totalCount: number }>>(
      system.graphqlUrl,
      `{
      products(first: 1) { totalCount }
      ${['CONFIRMED', 'REJECTED', 'PAID', 'SHIPPED', 'CANCELLED'].map((s) => `${s}: orders(status: ${s}, first: 1) { totalCount }`).join('\n')}
    }`,
    );
    assert.equal(data.products!.totalCount, 200);
    for (const status of ['CONFIRMED', 'REJECTED', 'PAID', 'SHIPPED', 'CANCELLED']) assert.ok(data[status]!.totalCount > 0, status);
    assert.equal(
      ['CONFIRMED', 'REJECTED', 'PAID', 'SHIPPED', 'CANCELLED'].reduce((n, s) => n + data[s]!.totalCount, 0),
      500,
    );
  });
});
