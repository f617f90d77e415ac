import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildGatewaySchema } from '../../gateway/index.js';
import { DocumentCache } from '../../gateway/subscriptions/document-cache.js';
import { gqlData } from '../support/graphql-client.js';
import { RawGraphQLSocket } from '../support/raw-graphql-socket.js';
import { TestSystem } from '../support/system.js';
import { signToken } from '../support/tokens.js';
import { waitFor } from '../support/wait.js';

const MAX_CONNECTIONS = 3;
const OPERATIONS_PER_SECOND = 50;
const MAX_BUFFERED_BYTES = 64 * 1024;
/** An answer of tens of kilobytes that no service is asked for. */
const INTROSPECTION = '{ __schema { types { name description fields { name description type { name kind } } } } }';

describe('security - WebSocket limits', () => {
  let system: TestSystem;
  const sockets: RawGraphQLSocket[] = [];
  const open = async (payload: Record<string, unknown> = {}) => {
    const socket = await RawGraphQLSocket.open(system.url, payload);
    sockets.push(socket);
    return socket;
  };
  const tokenFor = (sub: string) => signToken(system.config.jwtSecret ?? '', { sub, tenant: 'limits', roles: ['admin'] });

  before(async () => {
    system = await TestSystem.start('wslimits', {
      WS_MAX_CONNECTIONS_PER_CLIENT: String(MAX_CONNECTIONS),
      WS_OPERATIONS_PER_SECOND: String(OPERATIONS_PER_SECOND),
      WS_OPERATIONS_BURST: String(OPERATIONS_PER_SECOND),
      WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
    });
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    await system?.stop();
  });

  it('message size - a message over the HTTP body limit (100 kB) closes the socket unread (1009)', async () => {
    const socket = await open({ authorization: `Bearer ${await tokenFor('big-message')}` });
    const started = performance.now();
    socket.subscribe('1', `{ __typename ${' '.repeat(200 * 1024)}}`);
    await waitFor(() => socket.closed, { what: 'the close' });
    assert.equal(socket.closed?.code, 1009);
    assert.ok(performance.now() - started < 1000);
    assert.equal(socket.messages.filter((m) => m.id === '1').length, 0);
    const fine = await open({ authorization: `Bearer ${await tokenFor('big-message')}` });
    fine.subscribe('2', '{ __typename }');
    assert.deepEqual((await fine.answer('2')).payload, { data: { __typename: 'Query' } });
  });

  it('connections - a client holds at most WS_MAX_CONNECTIONS_PER_CLIENT sockets (4429), others are not affected', async () => {
    const token = `Bearer ${await tokenFor('many-tabs')}`;
    const held = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await open({ authorization: token }));
    assert.ok(held.every((s) => s.closed === undefined));
    const extra = await open({ authorization: token });
    assert.equal(extra.closed?.code, 4429);
    const other = await open({ authorization: `Bearer ${await tokenFor('someone-else')}` });
    assert.equal(other.closed, undefined);
    // One closed, one more is welcome again.
    held[0]!.socket.close();
    await waitFor(
      async () => {
        const again = await open({ authorization: token });
        return again.closed === undefined ? again : undefined;
      },
      { what: 'a socket once one is released' },
    );
  });

  it('connections - anonymous sockets count per address', async () => {
    const held = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await open());
    const extra = await open();
    assert.equal(extra.closed?.code, 4429);
    for (const socket of held) socket.socket.close();
  });

  it('operation rate - more than the burst at once is refused RATE_LIMITED with a retry hint, later ones are served', async () => {
    const socket = await open({ authorization: `Bearer ${await tokenFor('flood')}` });
    for (let i = 0; i <= OPERATIONS_PER_SECOND; i++) socket.subscribe(`op${i}`, '{ __typename }');
    const answers = await Promise.all(Array.from({ length: OPERATIONS_PER_SECOND + 1 }, (_, i) => socket.answer(`op${i}`)));
    const limited = answers.filter((a) => a.type === 'error');
    assert.equal(limited.length, 1);
    assert.equal(limited[0]!.payload[0].extensions.code, 'RATE_LIMITED');
    assert.ok(limited[0]!.payload[0].extensions.retryAfterMs > 0);
    await waitFor(
      async () => {
        const id = `later${performance.now()}`;
        socket.subscribe(id, '{ __typename }');
        return (await socket.answer(id)).type === 'next';
      },
      { what: 'an operation once the rate allows it', intervalMs: 50 },
    );
  });

  it('backpressure - a client that stops reading its results is closed instead of growing the gateway', async (t) => {
    const socket = await open({ authorization: `Bearer ${await tokenFor('not-reading')}` });
    socket.subscribe('first', INTROSPECTION);
    const first = await socket.answer('first');
    const resultBytes = JSON.stringify(first.payload).length;
    assert.ok(resultBytes > 10_000, `introspection answers ${resultBytes} bytes`);
    socket.stopReading();
    let sent = 0;
    // Ask within the rate until the gateway gives up on the socket (its writes fail once cut).
    await waitFor(
      () => {
        if (socket.ended || socket.closed) return true;
        for (let i = 0; i < 5; i++) socket.subscribe(`q${sent++}`, INTROSPECTION);
        return false;
      },
      { what: 'the gateway to cut the socket', timeoutMs: 30_000, intervalMs: 100 },
    );
    // What it asked for: at most the socket's buffers (kernel, and MAX_BUFFERED_BYTES in the gateway) plus what was in flight.
    const fresh = await open({ authorization: `Bearer ${await tokenFor('reader')}` });
    fresh.subscribe('after', '{ __typename }');
    assert.equal((await fresh.answer('after')).type, 'next');
    t.diagnostic(`not-reading client cut after ${sent} requests of ${resultBytes} bytes`);
  });

  it('document cache - bounded by the size of its texts, not only their count', async () => {
    const cache = new DocumentCache(await buildGatewaySchema(), { capacity: 1000, maxChars: 10_000 });
    for (let i = 0; i < 50; i++) cache.get(`{ __typename ${`a${i}: __typename `.repeat(60)}}`);
    assert.ok(cache.size.chars <= 10_000, `${cache.size.chars} characters kept`);
    assert.ok(cache.size.documents < 50);
    const huge = `{ __typename ${' '.repeat(20_000)}}`;
    assert.ok(!Array.isArray(cache.get(huge)), 'a document larger than the budget is still answered');
    assert.ok(cache.size.chars <= 10_000, 'and not kept');
  });

  it('a normal client is unaffected', async () => {
    const data = await gqlData(system.graphqlUrl, '{ __typename }');
    assert.equal(data.__typename, 'Query');
  });
});
