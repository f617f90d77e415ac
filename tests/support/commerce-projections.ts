import type { Subscription } from '@nats-io/nats-core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { customerView } from '../../read-service/read-models/customer-view.js';
import { orderView } from '../../read-service/read-models/order-view.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { regionalSales } from '../../read-service/read-models/regional-sales.js';
import { topProducts } from '../../read-service/read-models/top-products.js';
import type { QueryDefinition } from '../../read-service/queries/query-definition.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { publishEvents } from './events.js';
import { projectionRunners } from './projection-runners.js';
import { waitFor } from './wait.js';

const PROJECTIONS = [productView, orderView, customerView, regionalSales, topProducts];

/**
 * The commerce read models fed straight from the stream, in a namespace of its own for one test
 * file: call it inside the file's describe (see projectionRunners). Returns the namespace's
 * subjects and how to publish events and wait for every projection, listen to view changes, and
 * ask queries or SQL.
 */
export function commerceProjections() {
  const runners = projectionRunners('commerce', PROJECTIONS);
  const { subjects } = runners;

  const em = () => runners.orm.em.fork() as EntityManager;
  const sql = <T>(query: string, params: unknown[] = []) => em().execute<T[]>(query, params);
  const ask = <A, R>(query: QueryDefinition<A, R>, tenant: string, args: A) => query.handle(args, { tenant, em: em() });

  /** Publishes as the relay does and waits until every projection has applied (or skipped) them. */
  async function publish(events: EventEnvelope[], msgId?: (e: EventEnvelope) => string): Promise<number> {
    const last = await publishEvents(runners.js, subjects, events, msgId);
    await waitFor(
      async () => {
        const rows = await sql<{ position: string }>('select position from projection_checkpoints where projection in (?)', [
          PROJECTIONS.map((p) => p.name),
        ]);
        return rows.length === PROJECTIONS.length && rows.every((row) => Number(row.position) >= last);
      },
      { timeoutMs: 15_000, what: `every projection to reach ${last}` },
    );
    return last;
  }

  function listen(subject: string): { changes: ViewChange[]; sub: Subscription } {
    const changes: ViewChange[] = [];
    const sub = runners.nc.subscribe(subject, {
      callback: (error, msg) => {
        if (!error) changes.push(msg.json<ViewChange>());
      },
    });
    return { changes, sub };
  }

  return { subjects, publish, listen, ask, sql };
}
