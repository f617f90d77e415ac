import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceName } from '../support/system.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { FaultHarness } from './fault-harness.js';
import { FaultRun } from './scenario.js';

const SERVICES: [ServiceName, string][] = [
  ['write', 'write-service'],
  ['read', 'read-service'],
  ['gateway', 'gateway'],
];

/** The ways a NATS connection fails under one service (its own proxy), each resolving when it is over. */
const FAULTS: [string, (proxy: TcpProxy, round: number) => Promise<void>][] = [
  // Server bytes lost for a few hundred ms while the connection looks open, then cut: the
  // client reconnects, with whatever was in flight lost (the fault a new user met).
  ['nats drop+cut', (proxy, round) => proxy.dropThenCut(200 + 100 * (round % 3), 'toClient')],
  // Every chunk late (a slow link) for 2 s: replies can miss the gateway's timeout.
  [
    'nats delay 700ms',
    async (proxy) => {
      proxy.delay(700);
      await delay(2000);
      proxy.heal();
    },
  ],
  // The connection cut with half a frame delivered (a message torn in two).
  [
    'nats cut mid-frame',
    async (proxy) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no bytes from the server to cut within 10 s')), 10_000);
      });
      try {
        await Promise.race([proxy.cutMidFrame(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  ],
];

describe('faults: NATS connection of one service (drop then cut, delay, cut mid-frame)', () => {
  let harness: FaultHarness;
  const run = new FaultRun('NATS connection faults');
  before(async () => {
    harness = await FaultHarness.start('fnatsconn', { proxies: true });
  });
  after(async () => {
    run.table.print();
    await harness?.stop();
  });

  it('control: no fault, the same load and checks come out clean', async () => {
    await run.run(harness, { name: 'none (control)', inject: () => delay(1000).then(() => undefined) });
  });

  for (const [fault, inject] of FAULTS) {
    for (const [service, label] of SERVICES) {
      it(`${fault} under the ${label}: nothing lost, duplicated or stuck`, async () => {
        await run.run(harness, { name: `${fault}: ${label}`, inject: (round) => inject(harness.proxies[service]!, round) });
      });
    }
  }
});
