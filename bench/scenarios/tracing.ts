import { measureTracingCost, type TracingCostFigures } from '../harness/tracing-cost.js';
import type { ScenarioContext } from './scenario-context.js';

/**
 * Group 'tracing': before it was built in (`baseDist`, the build of the commit before tracing,
 * from --base-dist), off, and on at 100% sampling, two systems of each (one in --quick); each
 * system first given 15 s of each load unmeasured (not in --quick), then four rounds of 10 s
 * slices (one in --quick). With `exportOnLoop` (--trace-export-main), also tracing on with the
 * spans exported on the services' own threads, as before decision #52, one system of each
 * configuration over six rounds.
 */
export async function runTracing(
  { quick, step, queryWarmupS, salt, log, settle }: ScenarioContext,
  baseDist: string | undefined,
  exportOnLoop = false,
): Promise<TracingCostFigures> {
  await settle();
  return measureTracingCost({
    durationS: quick ? step : 10,
    warmupS: queryWarmupS,
    primeS: quick ? 0 : 15,
    // Three configurations of two systems each, beside the bench's own, ran out of PostgreSQL's
    // 100 connections: with exportOnLoop, one system per configuration and six rounds.
    rounds: quick ? 1 : exportOnLoop ? 6 : 4,
    replicas: quick || exportOnLoop ? 1 : 2,
    salt: `${salt}tr`,
    ...(baseDist ? { baseDist } : {}),
    exportOnLoop,
    log,
  });
}
