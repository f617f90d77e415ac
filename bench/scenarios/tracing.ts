import { measureTracingCost, type TracingCostFigures } from '../harness/tracing-cost.js';
import type { ScenarioContext } from './scenario-context.js';

/**
 * Group 'tracing': before it was built in (`baseDist`, the build of the commit before tracing,
 * from --base-dist), off, and on at 100% sampling, one system of each; each round on new
 * processes (the services restarted, then given 15 s of each load unmeasured; not in --quick),
 * six rounds of 10 s slices (one in --quick; `rounds` from --tracing-rounds). Twins of one build
 * can differ by up to 25% for as long as they live, more than tracing costs (2026-12-02): rounds
 * on new processes average that out, as rounds on the same ones did not; the traced system's
 * sampled slices against its own unsampled ones (`sameProcess`) leave it out altogether.
 */
export async function runTracing(
  { quick, step, queryWarmupS, salt, log, settle }: ScenarioContext,
  baseDist: string | undefined,
  rounds?: number,
): Promise<TracingCostFigures> {
  await settle();
  return measureTracingCost({
    durationS: quick ? step : 10,
    warmupS: queryWarmupS,
    primeS: quick ? 0 : 15,
    rounds: rounds ?? (quick ? 1 : 6),
    replicas: 1,
    restartEachRound: !quick,
    salt: `${salt}tr`,
    ...(baseDist ? { baseDist } : {}),
    log,
  });
}
