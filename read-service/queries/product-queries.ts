import {
  AppError,
  type Connection,
  type ProductSort,
  type ProductsArgs,
  optionalString,
  requireAmount,
  requireUuid,
  type ProductView,
  servedAsInt,
  PROJECTIONS,
} from '../../schema/index.js';
import { type CursorValueType, decodeCursor, encodeCursor } from './cursor.js';
import type { QueryDefinition } from './query-definition.js';

/** Columns of product_view in the order `toProductView` reads them. */
export const PRODUCT_VIEW_COLUMNS =
  'id, sku, title, description, category, price, currency, available_quantity, average_rating, review_count, discontinued, version, revision, updated_at';

export interface ProductViewRow {
  id: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  price: string;
  currency: string;
  available_quantity: number;
  average_rating: string | null;
  /** bigint: pg hands it over as a string. */
  review_count: number | string;
  discontinued: boolean;
  version: number;
  /** bigint: pg hands it over as a string. */
  revision: number | string;
  updated_at: Date | string;
}

export function toProductView(row: ProductViewRow): ProductView {
  return {
    id: row.id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    category: row.category,
    price: row.price,
    currency: row.currency,
    availableQuantity: row.available_quantity,
    inStock: row.available_quantity > 0 && !row.discontinued,
    averageRating: row.average_rating === null ? null : Number(row.average_rating),
    reviewCount: servedAsInt(row.review_count),
    discontinued: row.discontinued,
    version: row.version,
    revision: Number(row.revision),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const READS = [PROJECTIONS.product];

export const productQuery: QueryDefinition<{ id: unknown }, ProductView | null> = {
  name: 'product',
  reads: READS,
  async handle(args, { tenant, em }) {
    const id = requireUuid(args.id, 'id');
    const rows = await em.execute<ProductViewRow[]>(`select ${PRODUCT_VIEW_COLUMNS} from product_view where tenant = ? and id = ?`, [
      tenant,
      id,
    ]);
    return rows[0] ? toProductView(rows[0]) : null;
  },
};

/** The batch behind the gateway's product DataLoader: one request, answers in the order asked. */
export const productsByIdsQuery: QueryDefinition<{ ids: unknown }, (ProductView | null)[]> = {
  name: 'productsByIds',
  reads: READS,
  async handle(args, { tenant, em }) {
    if (!Array.isArray(args.ids) || args.ids.length > 1000) throw AppError.badInput('ids', 'ids must be a list of at most 1000 ids');
    const ids = args.ids.map((id) => requireUuid(id, 'id'));
    if (ids.length === 0) return [];
    const rows = await em.execute<ProductViewRow[]>(
      `select ${PRODUCT_VIEW_COLUMNS} from product_view where tenant = ? and id = any(array[?]::uuid[])`,
      [tenant, ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toProductView(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  },
};

interface SortSpec {
  /** SQL of the sort value; `$rank` stands for the search rank. */
  expr: string;
  descending: boolean;
  cast: CursorValueType;
}

const SORTS: Record<ProductSort, SortSpec> = {
  RELEVANCE: { expr: "ts_rank(search, websearch_to_tsquery('english', ?))", descending: true, cast: 'real' },
  TITLE: { expr: 'lower(title)', descending: false, cast: 'text' },
  PRICE_ASC: { expr: 'price', descending: false, cast: 'numeric' },
  PRICE_DESC: { expr: 'price', descending: true, cast: 'numeric' },
  RATING: { expr: 'coalesce(average_rating, -1)', descending: true, cast: 'numeric' },
  NEWEST: { expr: 'created_at', descending: true, cast: 'timestamptz' },
};
const SORT_NAMES = Object.keys(SORTS) as ProductSort[];

export const productsQuery: QueryDefinition<ProductsArgs, Connection<ProductView>> = {
  name: 'products',
  reads: READS,
  async handle(args, { tenant, em }) {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > 100) throw AppError.badInput('first', 'first must be an integer from 1 to 100');
    const search = optionalString(args.search, 'search', 200) || null;
    const sortName: ProductSort = args.sort ?? (search ? 'RELEVANCE' : 'NEWEST');
    if (!SORT_NAMES.includes(sortName)) throw AppError.badInput('sort', `sort must be one of ${SORT_NAMES.join(', ')}`);
    const sort = sortName === 'RELEVANCE' && !search ? SORTS.NEWEST : SORTS[sortName];
    const sortParams = sort === SORTS.RELEVANCE ? [search] : [];

    const where: string[] = ['tenant = ?'];
    const params: unknown[] = [tenant];
    const filter = args.filter ?? {};
    if (filter.category !== undefined && filter.category !== null) {
      where.push('category = ?');
      params.push(filter.category);
    }
    if (filter.inStock === true) where.push('available_quantity > 0 and not discontinued');
    if (filter.inStock === false) where.push('(available_quantity <= 0 or discontinued)');
    if (filter.minPrice !== undefined && filter.minPrice !== null) {
      where.push('price >= ?');
      params.push(requireAmount(filter.minPrice, 'filter.minPrice'));
    }
    if (filter.maxPrice !== undefined && filter.maxPrice !== null) {
      where.push('price <= ?');
      params.push(requireAmount(filter.maxPrice, 'filter.maxPrice'));
    }
    if (search) {
      where.push("search @@ websearch_to_tsquery('english', ?)");
      params.push(search);
    }

    const countRows = await em.execute<{ count: string }[]>(`select count(*) from product_view where ${where.join(' and ')}`, params);
    const totalCount = Number(countRows[0]?.count ?? 0);

    const pageWhere = [...where];
    const pageParams = [...params];
    if (args.after !== undefined && args.after !== null) {
      const [value, id] = decodeCursor(args.after, 'after', sort.cast);
      requireUuid(id, 'after');
      const cmp = sort.descending ? '<' : '>';
      pageWhere.push(`(${sort.expr} ${cmp} ?::${sort.cast} or (${sort.expr} = ?::${sort.cast} and id > ?::uuid))`);
      pageParams.push(...sortParams, value, ...sortParams, value, id);
    }
    const direction = sort.descending ? 'desc' : 'asc';
    const rows = await em.execute<(ProductViewRow & { sort_value: string | Date | null })[]>(
      `select ${PRODUCT_VIEW_COLUMNS}, (${sort.expr})::text as sort_value from product_view
        where ${pageWhere.join(' and ')} order by ${sort.expr} ${direction}, id asc limit ?`,
      [...sortParams, ...pageParams, ...sortParams, first + 1],
    );
    const page = rows.slice(0, first);
    const edges = page.map((row) => ({
      cursor: encodeCursor(row.sort_value === null ? null : String(row.sort_value), row.id),
      node: toProductView(row),
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
  },
};
