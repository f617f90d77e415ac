import { measureAlternatives, type AlternativesFigures } from '../baselines/compare-alternatives.js';
import { commandLadder } from './commands.js';
import type { ScenarioContext } from './scenario-context.js';

/**
 * Group 'alt': what a team would otherwise write, a CRUD service on the same stack and
 * PostGraphile over our read tables, driven by the same workers and requests.
 */
export async function runAlternatives({ quick, step, queryWarmupS, salt, system, settle }: ScenarioContext): Promise<AlternativesFigures> {
  await settle();
  return measureAlternatives({
    step,
    warmupS: queryWarmupS,
    commandLadder: commandLadder(quick),
    salt: `${salt}alt`,
    ...(system ? { readDatabaseUrl: system.config.readDatabaseUrl } : {}),
  });
}
