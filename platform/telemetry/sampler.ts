import { diag, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';

/**
 * The statements that make no span: opening a transaction and a savepoint, and releasing it. They
 * take no time worth seeing (their parent's span covers the transaction) and were a tenth of the
 * spans a command makes across the services. COMMIT (it waits for the WAL) and ROLLBACK (something
 * failed) keep theirs.
 */
const SPANLESS_STATEMENT = /^pg\.query:(?:BEGIN|SAVEPOINT|RELEASE)\b/;

/**
 * The sampler each service uses: OTEL_TRACES_SAMPLER's (envSampler), except that the statements
 * above are never recorded. instrumentation-pg names a statement's span `pg.query:<OPERATION> <db>`
 * before starting it, so the decision costs one test of the name and no span is made.
 */
export class TelemetrySampler implements Sampler {
  constructor(private readonly configured: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (SPANLESS_STATEMENT.test(spanName)) return { decision: SamplingDecision.NOT_RECORD };
    return this.configured.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `TelemetrySampler{${this.configured.toString()}}`;
  }
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the SDK builds it when
 * given none (sdk-node's createSamplerFromEnv, which it does not export): `parentbased_always_on`
 * when unset or unknown, a ratio outside [0, 1] or unreadable taken as 1, both reported through
 * the OpenTelemetry diag logger (OTEL_LOG_LEVEL).
 */
export function envSampler(env: NodeJS.ProcessEnv = process.env): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratioOf(env));
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratioOf(env)) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${name}", using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function ratioOf(env: NodeJS.ProcessEnv): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = raw ? Number(raw) : Number.NaN;
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  diag.error(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(raw ?? '')} is not a ratio in [0, 1], using 1`);
  return 1;
}
