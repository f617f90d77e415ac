import type { Fixtures } from '../../load/requests.js';

/**
 * Product ids for the PostGraphile scenarios, asked of PostGraphile itself: up to 200 rows of
 * product_view (the read tables our projections filled), all of one tenant, which its lookup by
 * primary key takes as an argument.
 */
export async function createPostgraphileFixtures(url: string): Promise<Fixtures> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ allProductViews(first: 200) { nodes { tenant rowId } } }' }),
  });
  const body = (await response.json()) as {
    data?: { allProductViews: { nodes: { tenant: string; rowId: string }[] } };
    errors?: unknown[];
  };
  const nodes = body.data?.allProductViews.nodes ?? [];
  if (body.errors || nodes.length === 0) throw new Error(`no products in the read database: ${JSON.stringify(body.errors ?? [])}`);
  const tenant = nodes[0]!.tenant;
  return { tenant, productIds: nodes.filter((node) => node.tenant === tenant).map((node) => node.rowId), customerIds: [], orderIds: [] };
}
