import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { printGatewaySchema } from '../../gateway/index.js';

/** The project root: this file runs compiled from <root>/dist/tests/unit. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const committed = path.join(root, 'schema', 'schema.graphql');

describe('schema - in sync', () => {
  it('schema - the committed schema/schema.graphql is what the gateway serves', async () => {
    const [printed, onDisk] = await Promise.all([printGatewaySchema(), readFile(committed, 'utf8')]);
    assert.ok(printed.includes('type Query'), 'the printed schema looks empty');
    assert.equal(
      onDisk,
      printed,
      `${path.relative(process.cwd(), committed)} is out of date with the type-graphql classes: run \`npm run schema:print\` and commit the result`,
    );
  });
});
