import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';

const require = createRequire(import.meta.url);

/** A package's folder, found from its resolvable entry point (its exports hide the UMD files). */
function packageRoot(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!(path.basename(dir) === name.split('/').at(-1) && existsSync(path.join(dir, 'package.json')))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = parent;
  }
  return dir;
}

const ASSETS: Record<string, [string, string]> = {
  'react.js': ['react', 'umd/react.production.min.js'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.css': ['graphiql', 'graphiql.min.css'],
};

// Short lines: the editor takes half the window, and long lines are cut off at its edge.
function examples(today: string, monthAgo: string) {
  return [
    {
      query: `# Create a product, then read it back with the
# consistency token the mutation returns.
mutation CreateProduct {
  createProduct(input: {
    sku: "MUG-001"
    title: "Enamel mug"
    description: "A sturdy camping mug"
    category: "kitchen"
    price: "12.50"
    initialStock: 25
  }) {
    aggregateId
    version
    consistencyToken
    replayed
  }
}`,
    },
    {
      query: `# Search and filter the catalog, with cursor pagination.
query Catalog {
  products(
    search: "mug"
    filter: { inStock: true }
    sort: RELEVANCE
    first: 10
  ) {
    totalCount
    edges {
      cursor
      node {
        id sku title price
        availableQuantity inStock version updatedAt
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    },
    {
      query: `# Watch a product live: paste an id into the variables,
# run, then change the product in another tab.
subscription WatchProduct($id: ID!) {
  productUpdated(id: $id) {
    id
    title
    price
    availableQuantity
    discontinued
    version
    updatedAt
  }
}`,
      variables: '{ "id": "00000000-0000-4000-8000-000000000000" }',
    },
    {
      query: `# Recent orders with their customer and products
# (nested fields are batched: one request each per page).
# Run \`npm run seed\` first for a shop full of data.
query Orders {
  orders(first: 10) {
    totalCount
    edges {
      node {
        id status total region placedAt
        customer { name email }
        lines { quantity unitPrice product { title } }
        timeline { at event detail }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    },
    {
      query: `# The dashboard: paid sales per region and day,
# and the best sellers, over the last 30 days.
query Dashboard {
  salesByRegion(from: "${monthAgo}", to: "${today}") {
    region day ordersCount revenue
  }
  topProducts(limit: 5) {
    unitsSold revenue product { title price }
  }
}`,
    },
    {
      query: `# Live sales figures, all regions: run it, then pay
# an order in another tab.
subscription WatchSales {
  salesUpdated { region day ordersCount revenue }
}`,
    },
    {
      query: `# How fresh is each read model?
query Freshness {
  projections { name position lag updatedAt }
}`,
    },
  ];
}

function page(now = new Date()): string {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const config = JSON.stringify({ examples: examples(day(now), day(new Date(now.getTime() - 30 * 86_400_000))) }).replaceAll(
    '<',
    '\\u003c',
  );
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>CQRS GraphQL gateway · explorer</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/explorer/assets/graphiql.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading the explorer…</div>
  <script src="/explorer/assets/react.js"></script>
  <script src="/explorer/assets/react-dom.js"></script>
  <script src="/explorer/assets/graphiql.js"></script>
  <script>
    const config = ${config};
    const url = new URL('/graphql', location.href).toString();
    const subscriptionUrl = url.replace(/^http/, 'ws');
    const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl });
    const root = ReactDOM.createRoot(document.getElementById('graphiql'));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      defaultTabs: config.examples,
    }));
  </script>
</body>
</html>`;
}

/** GraphiQL served from npm assets (no CDN: works offline), with example operations preloaded. */
export function explorerRouter(): Router {
  const router = express.Router();
  const sendPage: express.RequestHandler = (_req, res) => {
    res.type('html').set('Cache-Control', 'no-store').send(page());
  };
  router.get('/explorer', sendPage);
  router.get('/', (_req, res) => res.redirect('/explorer'));
  // A browser opening /graphql gets the explorer; API clients (JSON Accept) fall through.
  router.get('/graphql', (req, res, next) => {
    if (req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html') sendPage(req, res, next);
    else next();
  });
  for (const [name, [pkg, file]] of Object.entries(ASSETS)) {
    const fullPath = path.join(packageRoot(pkg), file);
    router.get(`/explorer/assets/${name}`, (_req, res) => res.sendFile(fullPath, { maxAge: '1h' }));
  }
  return router;
}
