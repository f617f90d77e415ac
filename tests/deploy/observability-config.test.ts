import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { knownSeries, metricNames, ruleExpressions } from '../support/promql.js';

/**
 * What docker compose starts beside the services (deploy/, docker-compose.yml), checked without
 * a Docker engine: promtool (Debian's `prometheus` package) and docker-compose (Debian's
 * `docker-compose` validates a file without a daemon). .ci/run installs both.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const INSTALL = { promtool: 'prometheus', 'docker-compose': 'docker-compose' } as const;

/** Runs a tool in the repository; fails with its output when it does not exit 0. */
function run(tool: keyof typeof INSTALL, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!error) return resolve(output);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new Error(`${tool} is not installed: apt-get install --no-install-recommends ${INSTALL[tool]} (.ci/run does)`));
      }
      reject(new Error(`${tool} ${args.join(' ')} failed:\n${output}`));
    });
  });
}

const readText = (file: string) => readFile(path.join(root, file), 'utf8');

interface Target {
  datasource?: { type?: string; uid?: string };
  expr?: string;
  refId?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
}

async function dashboard(): Promise<Dashboard> {
  return JSON.parse(await readText('deploy/grafana/dashboards/cqrs.json')) as Dashboard;
}

/** Each query of the dashboard with the panel it belongs to. */
async function dashboardQueries(): Promise<{ panel: Panel; target: Target; expr: string }[]> {
  return (await dashboard()).panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target, expr: target.expr ?? '' })));
}

describe('observability config', () => {
  it('prometheus.yml - a valid configuration that finds its rule file', async () => {
    const output = await run('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    assert.match(output, /SUCCESS: 1 rule files found/);
  });

  it('alerts.yml - valid rules, each firing and staying quiet as alerts.test.yml says', async () => {
    await run('promtool', ['check', 'rules', 'deploy/prometheus/alerts.yml']);
    const output = await run('promtool', ['test', 'rules', 'deploy/prometheus/alerts.test.yml']);
    assert.match(output, /SUCCESS/);
  });

  it('alerts.yml - every alert has a severity, a summary and a description, and a test', async () => {
    const rules = await readText('deploy/prometheus/alerts.yml');
    const tests = await readText('deploy/prometheus/alerts.test.yml');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1] ?? '');
    assert.ok(alerts.length >= 5, `alerts: ${alerts.join(', ')}`);
    for (const alert of alerts) {
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${alert} is tested firing`);
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts: \\[\\]`), `${alert} is tested quiet`);
    }
    const blocks = rules.split(/\n(?= +- alert: )/).slice(1);
    for (const block of blocks) {
      assert.match(block, /severity: (warning|critical)/, block);
      assert.match(block, /summary: /, block);
      assert.match(block, /description: /, block);
    }
  });

  it('docker-compose.yml - a valid compose file whose services serve metrics where Prometheus scrapes', async () => {
    const config = await run('docker-compose', ['-f', 'docker-compose.yml', 'config']);
    const scrape = await readText('deploy/prometheus/prometheus.yml');
    const targets = [...scrape.matchAll(/'([\w-]+):(\d+)'/g)].map(([, host = '', port = '']) => ({ host, port }));
    assert.deepEqual(targets.map((t) => t.host).sort(), ['gateway', 'read-service', 'write-service']);
    for (const { host, port } of targets) {
      const service = new RegExp(`\\n  ${host}:\\n((?:    .*\\n|      .*\\n)+)`).exec(config)?.[1] ?? '';
      assert.match(service, new RegExp(`\\n      (METRICS_)?PORT: '${port}'`), `${host} serves metrics on ${port}`);
      assert.match(service, /\n {6}HOST: 0\.0\.0\.0/, `${host} listens beyond its container`);
      assert.match(service, new RegExp(`\\n {6}OTEL_SERVICE_NAME: ${host}`), `${host} names itself in its traces`);
    }
  });

  it('the dashboard - Grafana JSON whose panels query the provisioned Prometheus by uid', async () => {
    const board = await dashboard();
    const provisioned = await readText('deploy/grafana/provisioning/datasources/datasources.yml');
    const uid = /uid: (\S+)\n\s+type: prometheus/.exec(provisioned)?.[1];
    assert.ok(uid, 'the provisioned Prometheus datasource has a uid');
    assert.ok(board.uid && board.title);
    assert.ok(board.schemaVersion >= 36, `schemaVersion ${board.schemaVersion}`);
    assert.equal(new Set(board.panels.map((p) => p.id)).size, board.panels.length, 'panel ids are unique');
    for (const panel of board.panels) {
      assert.ok(panel.gridPos.x + panel.gridPos.w <= 24 && Number.isInteger(panel.gridPos.w), `${panel.title} fits the 24 columns`);
      if (panel.type === 'row') continue;
      assert.ok(panel.targets?.length, `${panel.title} has queries`);
      for (const source of [panel.datasource, ...panel.targets.map((t) => t.datasource)]) {
        assert.deepEqual(source, { type: 'prometheus', uid }, `${panel.title} queries Prometheus by uid`);
      }
    }
  });

  it('the dashboard - every query parses as PromQL', async () => {
    const queries = await dashboardQueries();
    // promtool checks PromQL in rule files: each query becomes a recording rule (JSON is YAML).
    const groups = [
      {
        name: 'dashboard',
        rules: queries.map(({ panel, target, expr }) => ({
          record: `dashboard_panel_${panel.id}_${target.refId ?? 'A'}`,
          expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$__interval', '15s'),
        })),
      },
    ];
    const dir = await mkdtemp(path.join(tmpdir(), 'dashboard-promql-'));
    try {
      const file = path.join(dir, 'dashboard.rules.json');
      await writeFile(file, JSON.stringify({ groups }));
      const output = await run('promtool', ['check', 'rules', file]);
      assert.match(output, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the dashboard and the alerts - every metric they read is one the services expose', async () => {
    const known = knownSeries();
    const rules = await readText('deploy/prometheus/alerts.yml');
    const exprs = ruleExpressions(rules);
    const checked = await run('promtool', ['check', 'rules', 'deploy/prometheus/alerts.yml']);
    assert.match(checked, new RegExp(`SUCCESS: ${exprs.length} rules found`), 'every rule expression was read');
    const uses = [
      ...(await dashboardQueries()).map(({ panel, expr }) => ({ where: `panel "${panel.title}"`, expr })),
      ...exprs.map((expr) => ({ where: 'alerts.yml', expr })),
    ];
    for (const { where, expr } of uses) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where} reads a metric: ${expr}`);
      for (const name of names) assert.ok(known.has(name), `${where} reads ${name}, which no service exposes: ${expr}`);
    }
  });
});
