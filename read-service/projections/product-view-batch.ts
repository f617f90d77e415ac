import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import {
  announced,
  anyMissing,
  changedBeforeCreated,
  int,
  returning,
  text,
  Unbatchable,
  type BatchOptions,
  type ChangedRows,
} from './batch-support.js';

/** What a product event or review does to its row (`id`), in stream order (`ord`). */
interface Change {
  ord: number;
  kind: 'rename' | 'price' | 'restock' | 'discontinue' | 'reserve' | 'release' | 'review';
  tenant: string;
  id: string;
  /** The product's version after the event; for a review, the review stream's. */
  version: number;
  /** occurredAt of a product event; addedAt of a review. */
  at: string;
  title?: string;
  price?: string;
  quantity?: number;
  stream_id?: string;
  rating?: number;
}

const KINDS: Record<string, Change['kind']> = {
  ProductRenamed: 'rename',
  ProductPriceChanged: 'price',
  ProductRestocked: 'restock',
  ProductDiscontinued: 'discontinue',
  StockReserved: 'reserve',
  StockReleased: 'release',
};

/**
 * product_view's `applyBatch`: the same rows as `apply` event by event, in two
 * statements per run. Creations are inserted first (a product's creation precedes its other
 * events, G2; a run where a change of a missing product comes before its creation is refused).
 * Then every row's changes are folded in SQL: an event applies when its version is above both
 * the row's and every earlier version of the run for that row, which is what the one-by-one
 * guard (`version < ?`) decides; reviews likewise per review stream against
 * projection_applied_versions (`claim`). The last rename and price win, stock adds up, every
 * applied change bumps the revision, updated_at follows the last product event and any later
 * review. Anything unusual (a field of the wrong type, a review of a missing product, a failing
 * statement) throws, and the run is applied one by one instead. Returns each changed row once.
 */
export function productViewBatch<Row>(name: string, rows: ChangedRows<Row>) {
  return async function applyBatch(
    events: readonly EventEnvelope[],
    tx: EntityManager,
    options: BatchOptions = {},
  ): Promise<Omit<ViewChange, 'position'>[]> {
    const creations: Record<string, unknown>[] = [];
    const changes: Change[] = [];
    const createdAt = new Map<string, number>();
    events.forEach((event, ord) => {
      const d = event.data as Record<string, unknown>;
      const base = { ord, tenant: text(event.tenant), version: int(event.version) };
      if (event.aggregateType === 'Review') {
        if (event.type !== 'ReviewAdded') return;
        changes.push({
          ...base,
          kind: 'review',
          id: text(d.productId),
          at: text(d.addedAt),
          stream_id: text(event.aggregateId),
          rating: int(d.rating),
        });
      } else if (event.aggregateType === 'Product') {
        if (event.type === 'ProductCreated') {
          const id = text(d.productId);
          if (!createdAt.has(`${event.tenant}/${id}`)) createdAt.set(`${event.tenant}/${id}`, ord);
          creations.push({
            ...base,
            id,
            sku: text(d.sku),
            title: text(d.title),
            description: d.description === null ? null : text(d.description),
            category: text(d.category),
            price: text(d.price),
            available_quantity: int(d.initialStock),
            created_at: text(d.createdAt),
            updated_at: text(event.occurredAt),
          });
          return;
        }
        const kind = KINDS[event.type];
        if (!kind) return;
        const change: Change = { ...base, kind, id: text(event.aggregateId), at: text(event.occurredAt) };
        if (kind === 'rename') change.title = text(d.title);
        if (kind === 'price') change.price = text(d.price);
        if (kind === 'restock' || kind === 'reserve' || kind === 'release') change.quantity = int(d.quantity);
        changes.push(change);
      }
    });
    const early = changedBeforeCreated(changes, createdAt);
    if (early.length > 0 && (await anyMissing(tx, 'product_view', early)))
      throw new Unbatchable('a change of a product precedes its creation');
    const changed: (Row & { tenant: string })[] = [];
    if (creations.length > 0) changed.push(...(await insertCreations<Row>(tx, creations, returning(rows, options))));
    if (changes.length > 0) changed.push(...(await foldChanges<Row>(tx, name, changes, returning(rows, options, 'p'))));
    return announced(rows, changed, options);
  };
}

function insertCreations<Row>(
  tx: EntityManager,
  creations: Record<string, unknown>[],
  returned: string,
): Promise<(Row & { tenant: string })[]> {
  return tx.execute<(Row & { tenant: string })[]>(
    `insert into product_view (tenant, id, sku, title, description, category, price, available_quantity, version, revision, created_at, updated_at)
     select tenant, id, sku, title, description, category, price, available_quantity, version, 1, created_at, updated_at
       from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, sku text, title text, description text, category text,
         price numeric, available_quantity integer, version integer, created_at timestamptz, updated_at timestamptz)
      order by ord
     on conflict (tenant, id) do nothing
     returning ${returned}`,
    [JSON.stringify(creations)],
  );
}

async function foldChanges<Row>(
  tx: EntityManager,
  name: string,
  changes: Change[],
  returned: string,
): Promise<(Row & { tenant: string })[]> {
  const result = await tx.execute<(Row & { tenant: string | null; expected: string })[]>(
    `with ev as (
       select * from json_to_recordset(?::json) as e(ord integer, kind text, tenant text, id uuid, version integer, at timestamptz,
         title text, price numeric, quantity integer, stream_id text, rating integer)
     ),
     product_changes as (
       select e.*, p.version as row_version,
         max(e.version) over (partition by e.tenant, e.id order by e.ord rows between unbounded preceding and 1 preceding) as before
         from ev e join product_view p on p.tenant = e.tenant and p.id = e.id
        where e.kind <> 'review'
     ),
     reviews as (
       select e.*, a.version as claimed,
         max(e.version) over (partition by e.tenant, e.stream_id order by e.ord rows between unbounded preceding and 1 preceding) as before
         from ev e left join projection_applied_versions a
           on a.projection = ? and a.tenant = e.tenant and a.stream_type = 'Review' and a.stream_id = e.stream_id
        where e.kind = 'review'
     ),
     claimed_reviews as (
       select * from reviews where (claimed is null or version > claimed) and (before is null or version > before)
     ),
     claims as (
       insert into projection_applied_versions as applied (projection, tenant, stream_type, stream_id, version)
       select ?, tenant, 'Review', stream_id, max(version) from claimed_reviews group by tenant, stream_id
       on conflict (projection, tenant, stream_type, stream_id) do update set version = excluded.version where applied.version < excluded.version
     ),
     applied as (
       select tenant, id, ord, kind, version, at, title, price, quantity, rating from product_changes
        where version > row_version and (before is null or version > before)
       union all
       select tenant, id, ord, kind, null, at, null, null, null, rating from claimed_reviews
     ),
     ranked as (
       select applied.*, max(ord) filter (where kind <> 'review') over (partition by tenant, id) as last_product_ord from applied
     ),
     per_row as (
       select tenant, id, count(*) as changes, max(version) as version,
         sum(case kind when 'reserve' then -quantity when 'restock' then quantity when 'release' then quantity else 0 end) as stock,
         bool_or(kind = 'rename') as renamed, (array_agg(title order by ord desc) filter (where kind = 'rename'))[1] as title,
         bool_or(kind = 'price') as repriced, (array_agg(price order by ord desc) filter (where kind = 'price'))[1] as price,
         bool_or(kind = 'discontinue') as discontinued,
         count(*) filter (where kind = 'review') as reviews, coalesce(sum(rating) filter (where kind = 'review'), 0) as ratings,
         (array_agg(at order by ord desc) filter (where kind <> 'review'))[1] as set_at,
         max(at) filter (where kind = 'review' and (last_product_ord is null or ord > last_product_ord)) as review_at
         from ranked group by tenant, id
     ),
     updated as (
       update product_view p set
         title = case when r.renamed then r.title else p.title end,
         price = case when r.repriced then r.price else p.price end,
         available_quantity = p.available_quantity + r.stock,
         discontinued = p.discontinued or r.discontinued,
         version = coalesce(r.version, p.version),
         revision = p.revision + r.changes,
         rating_sum = p.rating_sum + r.ratings,
         review_count = p.review_count + r.reviews,
         average_rating = case when r.reviews > 0
           then round((p.rating_sum + r.ratings)::numeric / (p.review_count + r.reviews), 3) else p.average_rating end,
         updated_at = greatest(coalesce(r.set_at, p.updated_at), r.review_at)
         from per_row r where p.tenant = r.tenant and p.id = r.id
       returning ${returned}
     )
     select x.expected, u.* from (select count(*) as expected from per_row) x left join updated u on true`,
    [JSON.stringify(changes), name, name],
  );
  const updated = result.filter((row): row is Row & { tenant: string; expected: string } => row.tenant !== null);
  // Only a review can name a row that is not there (product changes are joined to their row):
  // one by one, that review throws and becomes a dead letter.
  if (Number(result[0]?.expected ?? 0) !== updated.length) throw new Unbatchable('a review names a product that is not in product_view');
  return updated;
}
