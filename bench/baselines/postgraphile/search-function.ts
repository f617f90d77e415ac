/**
 * PostGraphile has no full-text search or range filters out of the box; the way its docs give
 * for a custom query is a SQL function returning `setof` the table, which it exposes as a
 * connection (with `totalCount`). This one asks the question of the project's products(search,
 * filter) query over the same product_view rows, in a schema of its own that is dropped after.
 */
import pg from 'pg';

export const SEARCH_SCHEMA = 'postgraphile_bench';

const CREATE = `
  create schema if not exists ${SEARCH_SCHEMA};
  create or replace function ${SEARCH_SCHEMA}.search_products(tenant text, search text, min_price numeric default null, in_stock boolean default null)
  returns setof public.product_view language sql stable as $$
    select p.* from public.product_view p
     where p.tenant = search_products.tenant
       and p.search @@ websearch_to_tsquery('english', search_products.search)
       and (search_products.min_price is null or p.price >= search_products.min_price)
       and (search_products.in_stock is null or (p.available_quantity > 0 and not p.discontinued) = search_products.in_stock)
     order by ts_rank(p.search, websearch_to_tsquery('english', search_products.search)) desc, p.id
  $$;
  -- A smart tag, so that the field is searchProducts rather than prefixed with the schema's name.
  comment on function ${SEARCH_SCHEMA}.search_products(text, text, numeric, boolean) is '@name search_products';`;

async function run(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Adds the search function to the read database (before PostGraphile introspects it). */
export function createSearchFunction(readDatabaseUrl: string): Promise<void> {
  return run(readDatabaseUrl, CREATE);
}

/** Removes it again. */
export function dropSearchFunction(readDatabaseUrl: string): Promise<void> {
  return run(readDatabaseUrl, `drop schema if exists ${SEARCH_SCHEMA} cascade`);
}
