import type { ScenarioContext } from './scenario-context.js';

/** Group 'ryw', read-your-writes: a mutation then a query with its token. */
export async function runReadYourWrites({ drive }: ScenarioContext): Promise<void> {
  await drive('read-your-writes round trip', { kind: 'readYourWrites', mode: 'open', rate: 200 });
}
