import { Metrics } from '../../platform/metrics.js';

type Kind = 'counter' | 'gauge' | 'histogram' | 'summary';
const KINDS: readonly string[] = ['counter', 'gauge', 'histogram', 'summary'] satisfies Kind[];

/** A metric's type as prom-client sets it at run time (a string; its typings say a numeric enum). */
function kindOf(metric: { name: string; type: unknown }): Kind {
  if (typeof metric.type === 'string' && KINDS.includes(metric.type)) return metric.type as Kind;
  throw new Error(`${metric.name} has a type this test does not know: ${String(metric.type)}`);
}

/** Series Prometheus records itself for every target it scrapes. */
const FROM_PROMETHEUS: Readonly<Record<string, Kind>> = { up: 'gauge' };

/** The series names a metric of each type exposes. */
function seriesOf(name: string, kind: Kind): string[] {
  switch (kind) {
    case 'histogram':
      return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`];
    case 'counter':
    case 'gauge':
      return [name];
  }
}

/**
 * Every series name the services expose (what `Metrics` registers, the process defaults of
 * prom-client included) and those Prometheus adds.
 */
export function knownSeries(): Set<string> {
  // Registered (the process defaults and what every service exposes) and not yet registered (a part's, exposed once it runs).
  const metrics = new Metrics('observability-test');
  const parts = Object.values(metrics).filter(
    (value): value is { name: string; type: unknown } => typeof value === 'object' && value !== null && 'name' in value && 'type' in value,
  );
  const defined = new Map<string, Kind>([...metrics.registry.getMetricsAsArray(), ...parts].map((m) => [m.name, kindOf(m)]));
  const known = new Set<string>();
  for (const [name, kind] of Object.entries(FROM_PROMETHEUS)) {
    const actual = defined.get(name);
    if (actual !== undefined && actual !== kind)
      throw new Error(`${name} is a ${kind} in Prometheus but platform/metrics.ts defines a ${actual}`);
    for (const series of seriesOf(name, kind)) known.add(series);
  }
  for (const [name, kind] of defined) for (const series of seriesOf(name, kind)) known.add(series);
  return known;
}

/** PromQL's functions, aggregations and keywords: every other identifier in an expression names a metric. */
const PROMQL_WORDS = new Set(
  (
    'abs absent absent_over_time avg avg_over_time bottomk ceil changes clamp clamp_max clamp_min count count_over_time ' +
    'count_values deriv delta exp floor group histogram_quantile idelta increase irate label_join label_replace ' +
    'last_over_time ln log2 log10 max max_over_time min min_over_time predict_linear quantile quantile_over_time rate ' +
    'resets round scalar sort sort_desc stddev stddev_over_time sum sum_over_time time timestamp topk vector ' +
    'and or unless bool offset by without on ignoring group_left group_right inf nan'
  ).split(' '),
);

/** The metric (series) names a PromQL expression reads; Grafana's `$variables` are left out. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\{?\w+\}?/g, '') // Grafana variables
    .replace(/(?<![\w:])\d[\w.]*/g, ''); // numbers and durations
  const names = [...bare.matchAll(/[a-zA-Z_:][\w:]*/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word.toLowerCase()));
  return [...new Set(names)];
}

/**
 * The `expr` of each rule in a Prometheus rule file: `expr: <one line>`, or `expr: |` (or `>`)
 * and the lines indented under it. Not a YAML parser: enough for the rule files of deploy/,
 * and the test compares the count with promtool's.
 */
export function ruleExpressions(text: string): string[] {
  const lines = text.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const match = /^(\s*)(?:- )?expr:\s*(.*)$/.exec(line);
    if (!match) return;
    const [, indent = '', rest = ''] = match;
    if (!/^[|>]/.test(rest)) {
      exprs.push(rest.replace(/^(['"])(.*)\1$/, '$2'));
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next.trim());
    }
    exprs.push(block.join(' ').trim());
  });
  return exprs;
}
