import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Subjects } from '../../platform/index.js';
import type { ViewChange } from '../../schema/index.js';
import { summarize, type LatencySummary } from '../load/stats.js';

export interface LagFigures {
  /** Command accepted by the write-service (the event's time) -> view change announced after commit. */
  commandToView: LatencySummary;
  /** Event stored in the stream (JetStream's timestamp) -> view change announced after commit; sampled. */
  publishToView: LatencySummary;
}

/** Listens to product view changes while a load runs; turns them into lag figures. */
export async function startLagProbe(natsUrl: string, subjects: Subjects, tenant = 'demo') {
  const nc = await connect({ servers: natsUrl });
  const commandToView: number[] = [];
  const samples: { position: number; at: number }[] = [];
  let count = 0;
  const sub = nc.subscribe(subjects.view(tenant, 'product', '*'), {
    callback: (_error, msg) => {
      const at = Date.now();
      const change = msg.json<ViewChange<{ updatedAt: string }>>();
      commandToView.push(at - Date.parse(change.data.updatedAt));
      if (count++ % 10 === 0 && samples.length < 500) samples.push({ position: change.position, at });
    },
  });
  await nc.flush();
  return {
    async stop(): Promise<LagFigures> {
      sub.unsubscribe();
      const jsm = await jetstreamManager(nc);
      const publishToView: number[] = [];
      for (const sample of samples) {
        const stored = await jsm.streams.getMessage(subjects.stream, { seq: sample.position }).catch(() => undefined);
        if (stored) publishToView.push(sample.at - stored.time.getTime());
      }
      await nc.close();
      return { commandToView: summarize(commandToView), publishToView: summarize(publishToView) };
    },
  };
}
