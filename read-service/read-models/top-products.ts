import { type EventEnvelope, type OrderEvent, type OrderLineData, PROJECTIONS } from '../../schema/index.js';
import { sourceOf, type ReadModel, type Source } from './read-model.js';
import { CLAIMED_IN_BATCH, claim, money } from './row-sql.js';

const NAME = PROJECTIONS.topProducts;

/** An order's lines added to (1) or taken back from (-1) their products' rows. */
type Change = { sign: 1 | -1; lines: { product_id: string; quantity: number; line_total: string }[] } & Source;

/**
 * Units sold and revenue per product, multi-stream over orders (guarded per order by `claim`):
 * a confirmed order adds each line; cancelling a confirmed or paid order takes them back.
 * Dashboards read it by query; it announces no changes.
 */
export const topProducts: ReadModel<Change> = {
  name: NAME,
  tables: ['top_products'],
  eventTypes: new Set(['OrderConfirmed', 'OrderCancelled']),

  toChanges(envelope) {
    if (envelope.aggregateType !== 'Order') return [];
    const event = envelope as EventEnvelope & OrderEvent;
    const lines = (sign: 1 | -1, of: OrderLineData[]): Change[] =>
      of.length === 0
        ? []
        : [
            {
              ...sourceOf(event),
              sign,
              lines: of.map((l) => ({ product_id: l.productId, quantity: l.quantity, line_total: l.lineTotal })),
            },
          ];
    if (event.type === 'OrderConfirmed') return lines(1, event.data.lines);
    if (event.type === 'OrderCancelled' && (event.data.previousStatus === 'CONFIRMED' || event.data.previousStatus === 'PAID'))
      return lines(-1, event.data.lines);
    return [];
  },

  // A product may repeat in an order: lines are summed per product first.
  async writeOne(tx, c) {
    if (!(await claim(tx, NAME, c))) return [];
    await tx.execute(
      `insert into top_products as top (tenant, product_id, units_sold, revenue)
       select ?, line.product_id::uuid, ? * sum(line.quantity), ? * sum(line.line_total::numeric)
         from jsonb_to_recordset(?::jsonb) as line(product_id text, quantity integer, line_total text)
        group by line.product_id
       on conflict (tenant, product_id) do update set units_sold = top.units_sold + excluded.units_sold, revenue = top.revenue + excluded.revenue`,
      [c.tenant, c.sign, c.sign, JSON.stringify(c.lines)],
      'run',
    );
    return [];
  },

  // The changes `claim` would accept, their lines summed per product (line totals of at most two decimals).
  async writeRun(tx, changes) {
    changes.forEach((c) => c.lines.forEach((line) => money(line.line_total)));
    await tx.execute(
      `with ev as (
         select * from json_to_recordset(?::json) as e(ord integer, tenant text, stream_type text, stream_id text, version integer, sign integer, lines json)
       ),
       ${CLAIMED_IN_BATCH},
       per_row as (
         select c.tenant, line.product_id::uuid as product_id, sum(c.sign * line.quantity) as units, sum(c.sign * line.line_total::numeric) as revenue
           from claimed c cross join lateral json_to_recordset(c.lines) as line(product_id text, quantity integer, line_total text)
          group by 1, 2
       )
       insert into top_products as top (tenant, product_id, units_sold, revenue)
       select tenant, product_id, units, revenue from per_row
       on conflict (tenant, product_id) do update set units_sold = top.units_sold + excluded.units_sold, revenue = top.revenue + excluded.revenue`,
      [JSON.stringify(changes), NAME, NAME],
      'run',
    );
    return [];
  },
};
