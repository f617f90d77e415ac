import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** The smallest major version `engines.node` (">=24") allows. */
function requiredMajor(): number {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const match = /^>=(\d+)/.exec(manifest.engines.node);
  assert.ok(match?.[1], `engines.node is ">=N": ${manifest.engines.node}`);
  return Number(match[1]);
}

describe('runtime', () => {
  it('the tests run on the Node that package.json requires (the project installs it as its `node` package)', () => {
    const major = Number(process.versions.node.split('.')[0]);
    assert.ok(major >= requiredMajor(), `running on Node ${process.version}, package.json requires ${requiredMajor()}+`);
  });
});
