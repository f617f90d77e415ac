import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createProduct } from '../support/catalog.js';
import { gqlData } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && 'chromium not installed';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The project root: this file runs compiled from <root>/dist/tests/e2e. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const artifacts = path.join(root, 'tests', '.artifacts');

const EXAMPLE_TABS = ['CreateProduct', 'Catalog', 'WatchProduct', 'Orders', 'Dashboard', 'WatchSales', 'Freshness'];

/** A fresh browser tab that may only talk to this machine, recording whatever else it tried and every error it hit. */
interface OfflinePage {
  page: Page;
  context: BrowserContext;
  blocked: string[];
  errors: string[];
}

async function openOffline(browser: Browser): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  await page.route('**/*', async (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
    blocked.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  return { page, context, blocked, errors };
}

/** The text GraphiQL shows in its result pane. */
function resultPane(page: Page): Promise<string> {
  return page.locator('.graphiql-response').innerText();
}

/** Opens an example tab and waits until GraphiQL has picked up its operation (it does so on a debounce). */
async function openTab(page: Page, name: string): Promise<void> {
  await page.locator('.graphiql-tab-button', { hasText: name }).click();
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await waitFor(
    () =>
      editor.evaluate(
        (element: unknown, operation) => (element as { CodeMirror?: { operationName?: string } }).CodeMirror?.operationName === operation,
        name,
      ),
    { timeoutMs: 5000, what: `GraphiQL to select operation ${name}` },
  );
}

async function run(page: Page): Promise<void> {
  await page.locator('.graphiql-execute-button').click();
}

describe('explorer - GraphiQL in a real browser, offline', () => {
  let system: TestSystem;
  let browser: Browser;
  before(async () => {
    if (skip) return;
    system = await TestSystem.start('explorer');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    await mkdir(artifacts, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('explorer - loads from the gateway alone, with the example operations in tabs', { skip }, async () => {
    const { page, context, blocked, errors } = await openOffline(browser);
    try {
      const response = await page.goto(`${system.url}/explorer`);
      assert.equal(response?.status(), 200);
      await page.locator('.graphiql-container').waitFor({ timeout: 10_000 });
      await waitFor(async () => (await page.locator('.graphiql-tab').count()) === EXAMPLE_TABS.length, { what: 'the example tabs' });
      assert.deepEqual(
        (await page.locator('.graphiql-tab').allInnerTexts()).map((t) => t.trim()),
        EXAMPLE_TABS,
      );
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
      assert.deepEqual(blocked, [], 'the explorer needed requests beyond this machine');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('explorer - a browser opening GET /graphql gets the explorer', { skip }, async () => {
    const { page, context, blocked } = await openOffline(browser);
    try {
      const response = await page.goto(system.graphqlUrl);
      assert.equal(response?.status(), 200);
      assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
      await page.locator('.graphiql-container').waitFor({ timeout: 10_000 });
      assert.deepEqual(blocked, []);
    } finally {
      await context.close();
    }
  });

  it('explorer - runs a query and shows the result', { skip }, async () => {
    const { page, context, blocked, errors } = await openOffline(browser);
    try {
      await page.goto(`${system.url}/explorer`);
      await openTab(page, 'Freshness');
      await run(page);
      const text = await waitFor(
        async () => {
          const shown = await resultPane(page);
          return shown.includes('product_view') ? shown : undefined;
        },
        { what: 'the Freshness result to show product_view' },
      );
      assert.match(text, /"lag"/);
      assert.doesNotMatch(text, /"errors"/);
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('explorer - a subscription run from the page shows live changes', { skip }, async () => {
    const { page, context, blocked, errors } = await openOffline(browser);
    try {
      const title = `Explorer lamp ${Date.now()}`;
      const created = await createProduct(system.graphqlUrl, { title });
      // The view exists before subscribing, so the subscription starts with it.
      await gqlData(system.graphqlUrl, 'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { id } }', {
        id: created.aggregateId,
        token: created.consistencyToken,
      });

      await page.goto(`${system.url}/explorer`);
      await openTab(page, 'WatchProduct');
      // Paste the id into the variables editor, as a user would.
      const variables = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
      await variables.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(JSON.stringify({ id: created.aggregateId }));
      await waitFor(async () => (await variables.innerText()).includes(created.aggregateId), { what: 'the pasted variables' });
      await run(page);
      await waitFor(async () => (await resultPane(page)).includes(title), { what: 'the subscription to show the current view' });

      const renamed = `${title} (renamed)`;
      await gqlData(system.graphqlUrl, 'mutation($input: RenameProductInput!) { renameProduct(input: $input) { version } }', {
        input: { id: created.aggregateId, title: renamed },
      });
      const shown = await waitFor(
        async () => {
          const text = await resultPane(page);
          return text.includes(renamed) ? text : undefined;
        },
        { what: 'the subscription to show the renamed product' },
      );
      assert.match(shown, /"version": 2/);

      await page.screenshot({ path: path.join(artifacts, 'explorer.png') });
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
