import { subjectsFor } from '../../platform/index.js';
import type { TestSystem } from '../../tests/support/system.js';
import { measureRebuild, type RebuildFigures } from '../harness/rebuild.js';
import type { ScenarioContext } from './scenario-context.js';

export type RebuildGroupFigures = RebuildFigures & { all?: RebuildFigures };

/** Group 'rebuild': the product view replayed blue/green over at least 100,000 events (20,000 when quick). */
export async function runRebuild({ quick, log, settle }: ScenarioContext, system: TestSystem): Promise<RebuildGroupFigures> {
  await settle();
  const rebuild = await measureRebuild({
    natsUrl: system.config.natsUrl,
    subjects: subjectsFor(system.config.namespace),
    readDatabaseUrl: system.config.readDatabaseUrl,
    events: quick ? 20_000 : 100_000,
  });
  log(`  rebuild ${rebuild.projection}: ${rebuild.events} events in ${rebuild.seconds} s, ${rebuild.eventsPerSecond}/s`);
  return rebuild;
}
