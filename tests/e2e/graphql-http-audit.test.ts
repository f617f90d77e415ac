import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditServer, type AuditResult } from 'graphql-http';
import { TestSystem } from '../support/system.js';

function describeAudits(results: AuditResult[]): string {
  return results.map((r) => `- ${r.name} [${r.id}]${r.status === 'ok' ? '' : `: ${r.reason}`}`).join('\n');
}

describe('graphql-http - GraphQL over HTTP conformance', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('audit');
  });
  after(async () => {
    await system?.stop();
  });

  it('audit - no MUST audit fails against the gateway', async (t) => {
    const results = await auditServer({ url: system.graphqlUrl });
    assert.ok(results.length > 50, `expected the full audit list, got ${results.length}`);
    const failedMust = results.filter((r) => r.status === 'error' && r.name.startsWith('MUST'));
    assert.deepEqual(
      failedMust.map((r) => r.id),
      [],
      `MUST audits failed:\n${describeAudits(failedMust)}`,
    );
    // SHOULD and MAY findings are reported, not enforced (e.g. Apollo answers 400, not 200, to an
    // invalid document under application/json, and its CSRF prevention refuses simple GETs).
    const levels = ['MUST', 'SHOULD', 'MAY'].map((level) => {
      const ofLevel = results.filter((r) => r.name.startsWith(level));
      return `${level} ${ofLevel.filter((r) => r.status === 'ok').length}/${ofLevel.length}`;
    });
    t.diagnostic(`audits passed: ${levels.join(', ')}`);
    for (const r of results) if (r.status !== 'ok') t.diagnostic(`${r.status}: ${r.name} [${r.id}]: ${r.reason}`);
  });
});
