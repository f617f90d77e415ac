import type { WorkerSpec } from '../load/http-worker.js';
import type { ScenarioContext } from './scenario-context.js';

export interface QueryFigures {
  productMax: number;
  productAt1000P99: number;
  searchMax: number;
  orderMax: number;
}

/** The figures reported when the group does not run. */
export const NO_QUERIES: QueryFigures = { productMax: 0, productAt1000P99: 0, searchMax: 0, orderMax: 0 };

/** Group 'queries': product(id) at a fixed rate, then each query's maximum (closed model, 32 in flight). */
export async function runQueries({ queryWarmupS, drive, settle }: ScenarioContext): Promise<QueryFigures> {
  const maxOf = async (scenario: string, kind: WorkerSpec['kind']) =>
    (await drive(scenario, { kind, mode: 'closed', concurrency: 32, warmupS: queryWarmupS })).throughput;
  const productAt1000 = await drive('product(id)', { kind: 'productById', mode: 'open', rate: 1000, warmupS: queryWarmupS });
  const productMax = await maxOf('product(id) max', 'productById');
  const searchMax = await maxOf('products(search, filter) max', 'productSearch');
  const orderMax = await maxOf('order(id) with lines.product max', 'orderWithLines');

  await settle();
  return { productMax, productAt1000P99: productAt1000.latency.p99, searchMax, orderMax };
}
