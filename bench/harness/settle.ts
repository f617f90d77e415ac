import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { subjectsFor } from '../../platform/index.js';
import type { TestSystem } from '../../tests/support/system.js';

/** Where a system's backlog can be read: its GraphQL endpoint and, when we started it, its NATS and namespace. */
export interface SettleTarget {
  url: string;
  /** Undefined for an external system (its saga's backlog cannot be read). */
  nats?: { url: string; namespace: string };
}

/** The target of a system the bench started: its endpoint, and its NATS and namespace for the saga's backlog. */
export function settleTargetOf(system: TestSystem): SettleTarget {
  return { url: system.graphqlUrl, nats: { url: system.config.natsUrl, namespace: system.config.namespace } };
}

/** Whether the order saga has handled every order event (always true when its consumer cannot be read). */
async function sagaCaughtUp(nats: SettleTarget['nats']): Promise<boolean> {
  if (!nats) return true;
  const nc = await connect({ servers: nats.url });
  try {
    const subjects = subjectsFor(nats.namespace);
    const info = await (await jetstreamManager(nc)).consumers.info(subjects.stream, subjects.consumer('order_saga'));
    return info.num_pending === 0 && info.num_ack_pending === 0;
  } catch {
    return true;
  } finally {
    await nc.close();
  }
}

/**
 * Waits until the saga and every read model have caught up (twice in a row, half a second
 * apart), so that one step's backlog does not weigh on the next; gives up after `limitS`.
 */
export async function settle(target: SettleTarget, limitS: number, log: (message: string) => void): Promise<void> {
  let quiet = 0;
  const started = Date.now();
  for (const deadline = started + limitS * 1000; Date.now() < deadline && quiet < 2;) {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ projections { lag } }' }),
    });
    const body = (await response.json()) as { data?: { projections: { lag: number }[] } };
    const sagaIdle = await sagaCaughtUp(target.nats);
    quiet = sagaIdle && body.data?.projections.every((p) => p.lag === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (quiet < 2) log(`  (read models still behind after ${limitS} s)`);
  else if (Date.now() - started > 10_000) log(`  (caught up after ${Math.round((Date.now() - started) / 1000)} s)`);
}
