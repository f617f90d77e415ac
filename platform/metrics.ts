import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: from a fraction of a millisecond up to the request timeout. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The Prometheus metrics of one process, named once here (DESIGN §6). Every service has the
 * process defaults (CPU, memory, event-loop lag) labelled with its name, and the metrics of its
 * own part of the path.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Write-service: one command, from request received to reply sent. */
  readonly commandDuration = new Histogram({
    name: 'cqrs_command_processing_duration_seconds',
    help: 'Time to handle a command, from request to reply',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** Write-service: a command decided again after its append lost the race for its version (a concurrent writer, or a state cached here that another replica moved on). */
  readonly commandRetries = new Counter({
    name: 'cqrs_command_retries_total',
    help: 'Commands decided again after their append lost a version race',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });
  /** Read-service: one query, from request received to reply sent (consistency waits included). */
  readonly queryDuration = new Histogram({
    name: 'cqrs_query_api_latency_seconds',
    help: 'Time to answer a query, from request to reply',
    labelNames: ['query', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** Read-service: events a projection could not apply (their data, a constraint, a bug) and recorded as dead letters. */
  readonly deadLetters = new Counter({
    name: 'cqrs_eventbus_deadletter_total',
    help: 'Events a projection could not apply and recorded as dead letters',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  /** Gateway: one GraphQL operation over HTTP, from request to response. */
  readonly graphqlDuration = new Histogram({
    name: 'cqrs_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL request over HTTP',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** Write- and read-service: requests being worked on now (consistency waits included), read at each scrape. */
  readonly requestsInFlight: Gauge = new Gauge({
    name: 'cqrs_requests_in_flight',
    help: 'Requests the service is working on now',
    registers: [this.registry],
    collect: () => this.requestsInFlight.set(this.inFlight?.current ?? 0),
  });
  /** Write- and read-service: requests dropped unstarted because their caller's deadline had passed. */
  readonly requestsExpired = new Counter({
    name: 'cqrs_requests_expired_total',
    help: 'Requests dropped before they started because their deadline had passed',
    registers: [this.registry],
  });
  /** Gateway: operations refused RATE_LIMITED, by the limit that refused them (token, tenant). */
  readonly rateLimited = new Counter({
    name: 'cqrs_rate_limited_total',
    help: 'Operations refused because a rate limit was exhausted',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });
  /** Gateway: 1 while rate limits are counted in Redis (shared by every replica), 0 while this replica counts alone. */
  readonly rateLimitShared = new Gauge({
    name: 'cqrs_rate_limit_store_up',
    help: '1 while rate limits are counted in Redis, shared by every gateway; 0 while this gateway counts in memory',
    registers: [this.registry],
  });
  /** Gateway: rate-limit checks counted in this replica's memory because Redis did not answer. */
  readonly rateLimitInsurance = new Counter({
    name: 'cqrs_rate_limit_insurance_total',
    help: 'Rate-limit checks counted in memory because Redis did not answer',
    registers: [this.registry],
  });
  private inFlight: { readonly current: number } | undefined;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The count `requestsInFlight` reports (a service's in-flight limit). */
  trackInFlight(count: { readonly current: number }): void {
    this.inFlight = count;
  }

  /** The text exposition format, for GET /metrics. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** An HTTP listener serving only GET /metrics (for the services that have no HTTP server of their own). */
export async function startMetricsServer(metrics: Metrics, port: number, host: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.expose().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`metrics port ${port} on ${host} is in use (METRICS_PORT=0 takes any free port, METRICS_PORT=off serves none)`, {
              cause: error,
            })
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
