import { measureTracingCost, type TracingCostFigures } from '../harness/tracing-cost.js';
import type { ScenarioContext } from './scenario-context.js';

/**
 * Group 'tracing': before it was built in (`baseDist`, the build of the commit before tracing,
 * from --base-dist), off, and on at 100% sampling, two systems of each (one in --quick); each
 * system first given 15 s of each load unmeasured (not in --quick), then four rounds of 10 s
 * slices (one in --quick; `rounds` from --tracing-rounds). One system's 10 s slices of the same
 * load ranged 2,483-4,370/s in a run (2026-12-02): each round narrows what that leaves in the
 * ratios. (Twins of one build can differ by up to 25% for a whole run: rounds do not remove that;
 * the traced systems' sampled slices against their own unsampled ones, `sameProcess`, do.)
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
    rounds: rounds ?? (quick ? 1 : 4),
    replicas: quick ? 1 : 2,
    salt: `${salt}tr`,
    ...(baseDist ? { baseDist } : {}),
    log,
  });
}
