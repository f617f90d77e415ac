import type { TestSystem } from '../../tests/support/system.js';
import { measureScaleOut, type ScaleOutFigures } from '../harness/scale-out.js';
import type { ScenarioContext } from './scenario-context.js';

/** Group 'scale', scale-out: two replicas of each service against one. */
export async function runScaleOut({ step, salt, log, fixtures, settle }: ScenarioContext, system: TestSystem): Promise<ScaleOutFigures> {
  await settle();
  const scaleOut = await measureScaleOut({ system, fixtures, durationS: step, salt: `${salt}so`, settle });
  log(`  scale-out: ${JSON.stringify(scaleOut)}`);
  return scaleOut;
}
