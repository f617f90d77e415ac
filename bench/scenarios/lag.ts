import { subjectsFor } from '../../platform/index.js';
import type { TestSystem } from '../../tests/support/system.js';
import { startLagProbe, type LagFigures } from '../harness/lag-probe.js';
import { measureProjectionLag, type ProjectionLag } from '../harness/projection-lag.js';
import type { ScenarioContext } from './scenario-context.js';

export interface LagGroupFigures {
  /** Mutation -> view change as a subscriber sees it, by the rate of restocks. */
  lags: Record<string, LagFigures>;
  /** Publish -> view committed and announced, at each fixed rate. */
  projectionLags: ProjectionLag[];
}

/**
 * Group 'lag', projection lag: events published straight into the stream at fixed rates until
 * their view change is announced; then mutation -> push as a subscriber sees it, at a moderate rate.
 */
export async function runLag({ quick, step, log, drive, settle }: ScenarioContext, system: TestSystem): Promise<LagGroupFigures> {
  const lags: Record<string, LagFigures> = {};
  const projectionLags: ProjectionLag[] = [];
  await settle();
  const probe = await startLagProbe(system.config.natsUrl, subjectsFor(system.config.namespace));
  await drive('restocks while watching views', { kind: 'restockProduct', mode: 'open', rate: 200 });
  lags['200/s'] = await probe.stop();
  for (const rate of quick ? [500, 1000] : [500, 1000, 2000]) {
    await settle();
    const lag = await measureProjectionLag(system.config.natsUrl, subjectsFor(system.config.namespace), rate, step);
    projectionLags.push(lag);
    log(
      `  projection lag @ ${rate}/s: ${lag.applied}/${lag.published} applied, p50 ${lag.publishToCommit.p50} p99 ${lag.publishToCommit.p99} ms`,
    );
  }
  return { lags, projectionLags };
}
