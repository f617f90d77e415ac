import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceName } from '../support/system.js';
import { FaultHarness, REQUEST_TIMEOUT_MS } from './fault-harness.js';
import { FaultRun } from './scenario.js';

const LABEL: Record<ServiceName, string> = { write: 'write-service', read: 'read-service', gateway: 'gateway' };
/** Longer than the gateway's request timeout: callers give up on the paused service meanwhile. */
const PAUSE_MS = REQUEST_TIMEOUT_MS + 1500;

describe('faults: processes killed (kill -9) and paused (SIGSTOP/SIGCONT)', () => {
  let harness: FaultHarness;
  const run = new FaultRun('Process faults');
  before(async () => {
    harness = await FaultHarness.start('fprocess');
  });
  after(async () => {
    run.table.print();
    await harness?.stop();
  });

  const kill = async (services: ServiceName[]) => {
    await Promise.all(services.map((s) => harness.system.stopService(s, 'SIGKILL')));
    for (const s of services) await harness.system.startService(s);
  };

  for (const services of [['write'], ['read'], ['gateway'], ['write', 'read']] as ServiceName[][]) {
    const label = services.map((s) => LABEL[s]).join(' + ');
    it(`kill -9 of the ${label}, then started again: nothing lost, duplicated or stuck`, async () => {
      await run.run(harness, { name: `kill -9: ${label}`, inject: () => kill(services) });
    });
  }

  for (const service of ['write', 'read', 'gateway'] as ServiceName[]) {
    it(`the ${LABEL[service]} paused for ${PAUSE_MS} ms (longer than the request timeout): nothing lost, duplicated or stuck`, async () => {
      await run.run(harness, {
        name: `SIGSTOP ${PAUSE_MS / 1000} s: ${LABEL[service]}`,
        inject: async () => {
          harness.system.pauseService(service);
          try {
            await delay(PAUSE_MS);
          } finally {
            harness.system.resumeService(service);
          }
        },
      });
    });
  }
});
