import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type EventEnvelope,
  PRODUCT_EVENT_TYPES,
  type ProductEvent,
  type ReviewEvent,
  PRODUCT_VIEW,
  PROJECTIONS,
} from '../../schema/index.js';
import { PRODUCT_VIEW_COLUMNS, toProductView, type ProductViewRow } from '../queries/product-queries.js';
import { sourceOf, type ReadModel, type RowChange, type Source } from './read-model.js';
import { claim, lastPerRow, refuseChangeBeforeCreation, returning, Unbatchable } from './row-sql.js';

const NAME = PROJECTIONS.product;

/** The row (`id`) a change is for, the event's version and time. */
interface Target {
  tenant: string;
  id: string;
  version: number;
  at: string;
}

/** What an event does to a product_view row: a creation, a product change (an absent title or price: unchanged), a review. */
type Change =
  | (Target & {
      kind: 'create';
      sku: string;
      title: string;
      description: string | null;
      category: string;
      price: string;
      currency: string;
      stock: number;
      created_at: string;
    })
  | (Target & { kind: 'product'; title?: string; price?: string; stock: number; discontinued: boolean })
  | (Source & { kind: 'review'; id: string; at: string; rating: number });

/**
 * Product events, single-stream: a change applies only when its version is above the row's
 * (G3). Reviews are another aggregate: guarded per review by `claim`, they leave the product's
 * version alone; the average is computed in SQL from the exact sum. Reviews are only accepted
 * for existing products, so one whose product is missing is a bug to surface (a dead letter).
 */
export const productView: ReadModel<Change> = {
  name: NAME,
  tables: ['product_view'],
  eventTypes: new Set([...PRODUCT_EVENT_TYPES, 'ReviewAdded']),

  toChanges(envelope) {
    const { tenant, version, occurredAt: at } = envelope;
    if (envelope.aggregateType === 'Review') {
      const event = envelope as EventEnvelope & ReviewEvent;
      if (event.type !== 'ReviewAdded') return [];
      return [{ kind: 'review', ...sourceOf(event), id: event.data.productId, at: event.data.addedAt, rating: event.data.rating }];
    }
    if (envelope.aggregateType !== 'Product') return [];
    const event = envelope as EventEnvelope & ProductEvent;
    const id = event.aggregateId;
    const change = (delta: Partial<{ title: string; price: string; stock: number; discontinued: boolean }>): Change[] => [
      { kind: 'product', tenant, id, version, at, stock: 0, discontinued: false, ...delta },
    ];
    switch (event.type) {
      case 'ProductCreated': {
        const { productId, sku, title, description, category, price, currency, initialStock: stock, createdAt: created_at } = event.data;
        return [
          { kind: 'create', tenant, id: productId, version, at, sku, title, description, category, price, currency, stock, created_at },
        ];
      }
      case 'ProductRenamed':
        return change({ title: event.data.title });
      case 'ProductPriceChanged':
        return change({ price: event.data.price });
      case 'ProductRestocked':
      case 'StockReleased':
        return change({ stock: event.data.quantity });
      case 'StockReserved':
        return change({ stock: -event.data.quantity });
      case 'ProductDiscontinued':
        return change({ discontinued: true });
      default:
        return [];
    }
  },

  async writeOne(tx, c) {
    let rows: ProductViewRow[];
    if (c.kind === 'create') {
      rows = await tx.execute<ProductViewRow[]>(
        `insert into product_view (tenant, id, sku, title, description, category, price, currency, available_quantity, version, revision, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) on conflict (tenant, id) do nothing returning ${PRODUCT_VIEW_COLUMNS}`,
        [c.tenant, c.id, c.sku, c.title, c.description, c.category, c.price, c.currency, c.stock, c.version, c.created_at, c.at],
      );
    } else if (c.kind === 'product') {
      rows = await tx.execute<ProductViewRow[]>(
        `update product_view set title = case when ? then ? else title end, price = case when ? then ?::numeric else price end,
            available_quantity = available_quantity + ?, discontinued = discontinued or ?, version = ?, revision = revision + 1, updated_at = ?
          where tenant = ? and id = ? and version < ? returning ${PRODUCT_VIEW_COLUMNS}`,
        [...given(c.title), ...given(c.price), c.stock, c.discontinued, c.version, c.at, c.tenant, c.id, c.version],
      );
    } else {
      if (!(await claim(tx, NAME, c))) return [];
      rows = await tx.execute<ProductViewRow[]>(
        `update product_view set rating_sum = rating_sum + ?, review_count = review_count + 1,
            average_rating = round((rating_sum + ?)::numeric / (review_count + 1), 3),
            revision = revision + 1, updated_at = greatest(updated_at, ?::timestamptz)
          where tenant = ? and id = ? returning ${PRODUCT_VIEW_COLUMNS}`,
        [c.rating, c.rating, c.at, c.tenant, c.id],
      );
      if (rows.length === 0) throw new Error(`ReviewAdded of ${c.stream_id}: product ${c.id} is not in product_view`);
    }
    return rows.map((row) => announce(c.tenant, row));
  },

  // Creations first; then each row's changes folded: a product change applies when its version
  // is above the row's and every earlier one of the run (the one-by-one guard), a review when
  // claimed; the last title and price win, stock adds up, each change bumps the revision.
  async writeRun(tx, changes, announced) {
    const creations = changes.filter((c) => c.kind === 'create');
    const others = changes.filter((c) => c.kind !== 'create');
    const products = others.filter((c) => c.kind === 'product');
    if (products.some((c) => c.title === null || c.price === null)) throw new Unbatchable('a title or price of null');
    await refuseChangeBeforeCreation(tx, 'product_view', creations, products);
    const rows: (ProductViewRow & { tenant: string })[] = [];
    if (creations.length > 0)
      rows.push(
        ...(await tx.execute<(ProductViewRow & { tenant: string })[]>(
          `insert into product_view (tenant, id, sku, title, description, category, price, currency, available_quantity, version, revision, created_at, updated_at)
         select tenant, id, sku, title, description, category, price, currency, stock, version, 1, created_at, at
           from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, sku text, title text, description text, category text,
             price numeric, currency text, stock integer, version integer, created_at timestamptz, at timestamptz)
          order by ord
         on conflict (tenant, id) do nothing returning ${returning(PRODUCT_VIEW_COLUMNS, announced)}`,
          [JSON.stringify(creations)],
        )),
      );
    if (others.length > 0) rows.push(...(await foldChanges(tx, others, announced)));
    return announced ? lastPerRow(rows.map((row) => announce(row.tenant, row))) : [];
  },
};

async function foldChanges(
  tx: EntityManager,
  changes: readonly object[],
  announced: boolean,
): Promise<(ProductViewRow & { tenant: string })[]> {
  const result = await tx.execute<(ProductViewRow & { tenant: string | null; expected: string })[]>(
    `with ev as (
       select * from json_to_recordset(?::json) as e(ord integer, kind text, tenant text, id uuid, version integer, at timestamptz,
         title text, price numeric, stock integer, discontinued boolean, stream_id text, rating integer)
     ),
     products as (
       select e.*, p.version as row_version,
         max(e.version) over (partition by e.tenant, e.id order by e.ord rows between unbounded preceding and 1 preceding) as before
         from ev e join product_view p on p.tenant = e.tenant and p.id = e.id where e.kind = 'product'
     ),
     reviews as (
       select e.*, a.version as claimed,
         max(e.version) over (partition by e.tenant, e.stream_id order by e.ord rows between unbounded preceding and 1 preceding) as before
         from ev e left join projection_applied_versions a
           on a.projection = ? and a.tenant = e.tenant and a.stream_type = 'Review' and a.stream_id = e.stream_id
        where e.kind = 'review'
     ),
     claimed_reviews as (select * from reviews where (claimed is null or version > claimed) and (before is null or version > before)),
     claims as (
       insert into projection_applied_versions as applied (projection, tenant, stream_type, stream_id, version)
       select ?, tenant, 'Review', stream_id, max(version) from claimed_reviews group by tenant, stream_id
       on conflict (projection, tenant, stream_type, stream_id) do update set version = excluded.version where applied.version < excluded.version
     ),
     applied as (
       select tenant, id, ord, kind, version, at, title, price, stock, discontinued, rating from products
        where version > row_version and (before is null or version > before)
       union all
       select tenant, id, ord, kind, null, at, null, null, 0, false, rating from claimed_reviews
     ),
     ranked as (select applied.*, max(ord) filter (where kind = 'product') over (partition by tenant, id) as last_product_ord from applied),
     per_row as (
       select tenant, id, count(*) as changes, max(version) as version, sum(stock) as stock, bool_or(discontinued) as discontinued,
         (array_agg(title order by ord desc) filter (where title is not null))[1] as title,
         (array_agg(price order by ord desc) filter (where price is not null))[1] as price,
         count(*) filter (where kind = 'review') as reviews, coalesce(sum(rating) filter (where kind = 'review'), 0) as ratings,
         (array_agg(at order by ord desc) filter (where kind = 'product'))[1] as set_at,
         max(at) filter (where kind = 'review' and (last_product_ord is null or ord > last_product_ord)) as review_at
         from ranked group by tenant, id
     ),
     updated as (
       update product_view p set title = coalesce(r.title, p.title), price = coalesce(r.price, p.price),
         available_quantity = p.available_quantity + r.stock, discontinued = p.discontinued or r.discontinued,
         version = coalesce(r.version, p.version), revision = p.revision + r.changes,
         rating_sum = p.rating_sum + r.ratings, review_count = p.review_count + r.reviews,
         average_rating = case when r.reviews > 0 then round((p.rating_sum + r.ratings)::numeric / (p.review_count + r.reviews), 3) else p.average_rating end,
         updated_at = greatest(coalesce(r.set_at, p.updated_at), r.review_at)
         from per_row r where p.tenant = r.tenant and p.id = r.id
       returning ${returning(PRODUCT_VIEW_COLUMNS, announced, 'p')}
     )
     select x.expected, u.* from (select count(*) as expected from per_row) x left join updated u on true`,
    [JSON.stringify(changes), NAME, NAME],
  );
  const updated = result.filter((row): row is ProductViewRow & { tenant: string; expected: string } => row.tenant !== null);
  // Only a review can name a missing row (product changes are joined to theirs): change by change it throws.
  if (Number(result[0]?.expected ?? 0) !== updated.length) throw new Unbatchable('a review names a product that is not in product_view');
  return updated;
}

/** A change's optional value as SQL parameters: whether it is given, and the value (a null given stays null: the row refuses it). */
function given(value: string | undefined): [boolean, string | null] {
  return [value !== undefined, value ?? null];
}

function announce(tenant: string, row: ProductViewRow): RowChange {
  return { tenant, view: PRODUCT_VIEW, key: row.id, version: Number(row.revision), data: toProductView(row) };
}
