import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

/** The fault proxy itself: what it does to bytes must be what a network does, never more (it never reorders). */
describe('tcp proxy (test support)', () => {
  let echo: net.Server;
  let proxy: TcpProxy;
  before(async () => {
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    proxy = await TcpProxy.start({ port: (echo.address() as net.AddressInfo).port });
  });
  after(async () => {
    await proxy.stop();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  it('proxy - bytes sent after a delay ends wait behind the ones still delayed: the stream keeps its order', async () => {
    const client = net.connect({ host: '127.0.0.1', port: proxy.port });
    let received = '';
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    try {
      proxy.delay(300);
      for (let n = 0; n < 5; n += 1) {
        client.write(`${n},`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      proxy.heal();
      for (let n = 5; n < 10; n += 1) client.write(`${n},`);
      const expected = Array.from({ length: 10 }, (_, n) => `${n},`).join('');
      await waitFor(() => received.length >= expected.length, { what: 'every byte back' });
      assert.equal(received, expected);
    } finally {
      client.destroy();
    }
  });
});
