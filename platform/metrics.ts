import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';

/**
 * Seconds: from a tenth of a millisecond (an answer from memory, a publish on a quiet broker) up
 * to ten seconds, past the request timeout (a projection catching up; +Inf beyond).
 */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How long a scrape waits for a reading from the database or NATS before it reports NaN. */
const READING_TIMEOUT_MS = 2_000;

/** How far one projection is behind the event stream (see `projectionLagEvents`, `projectionLagSeconds`). */
export interface ProjectionLag {
  projection: string;
  events: number;
  seconds: number;
}

/**
 * The Prometheus metrics of one process, named once here (DESIGN §6). Every service has the
 * process defaults (CPU, memory, event-loop lag) labelled with its name, and the metrics of its
 * own part of the path. Metrics of one part only (the relay, the saga, the projections, the
 * view cache, subscriptions) are exposed by the process that runs it, once it says so (`track*`).
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

  /**
   * Write-service (the outbox relay): from an event's commit to JetStream's acknowledgement of
   * its publish. The commit's time is its outbox row's `created_at`, the start of the append's
   * transaction (one statement: it commits a few milliseconds later, so this is a little longer
   * than the publish itself); the age is read on the database's clock, then counted on the relay's.
   */
  readonly publishDuration = new Histogram({
    name: 'cqrs_eventbus_publish_duration_seconds',
    help: "Time from an event's commit (its outbox row's created_at, the start of the append's transaction) to JetStream's acknowledgement of its publish by the outbox relay",
    buckets: LATENCY_BUCKETS,
    registers: [],
  });
  /**
   * Write-service (the outbox relay): publishes JetStream did not acknowledge (a timeout, no
   * stream leader, a refusal). Not counted: the refusal of a publish chained behind one that was
   * not stored (Nats-Expected-Last-Msg-Id), which follows a counted failure or a duplicate.
   */
  readonly publishErrors = new Counter({
    name: 'cqrs_eventbus_publish_errors_total',
    help: 'Publishes of the outbox relay that JetStream did not acknowledge',
    registers: [],
  });
  /** Write-service: committed events not yet published (outbox rows without published_at), read at each scrape; the same in every replica. */
  readonly outboxBacklog: Gauge = new Gauge({
    name: 'cqrs_outbox_backlog_events',
    help: 'Committed events the outbox relay has not published yet (NaN: the database did not answer)',
    registers: [],
    collect: async () => this.outboxBacklog.set(await reading(this.sources.outboxBacklog)),
  });
  /**
   * Write-service: order events in the stream that the order saga has not handled yet (its
   * consumer's pending and unacknowledged messages; it acknowledges every 100 ms), read at each
   * scrape; the same in every replica.
   */
  readonly sagaBacklog: Gauge = new Gauge({
    name: 'cqrs_saga_backlog_events',
    help: 'Order events the order saga has not handled yet (NaN: NATS did not answer)',
    registers: [],
    collect: async () => this.sagaBacklog.set(await reading(this.sources.sagaBacklog)),
  });
  /**
   * Read-service: from an event's commit (its `occurredAt`, stamped as the write-service accepted
   * its command, a few milliseconds before the append commits: the envelope holds no later time)
   * to the commit of the view transaction that applied it. Events of other read models and dead
   * letters are not counted. Across hosts, includes the clocks' difference.
   */
  readonly projectionUpdateLatency = new Histogram({
    name: 'cqrs_projection_update_latency_seconds',
    help: "Time from an event's commit (its occurredAt) to the commit of the projection's view transaction that applied it",
    labelNames: ['projection'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });
  /**
   * Read-service: stream messages after the projection's checkpoint (the last event it applied
   * or skipped, as its runner announces it): the stream's last sequence minus the checkpoint.
   * Read at each scrape, in every replica (query-only ones too).
   */
  readonly projectionLagEvents: Gauge<'projection'> = new Gauge({
    name: 'cqrs_projection_lag_events',
    help: "Events in the stream after the projection's checkpoint: not yet applied",
    labelNames: ['projection'] as const,
    registers: [],
    collect: () => this.collectLag(this.projectionLagEvents, 'events'),
  });
  /**
   * Read-service: how long the oldest event the projection has not applied has waited, from its
   * commit (`occurredAt`) to now; 0 when it has applied every event. Read at each scrape.
   */
  readonly projectionLagSeconds: Gauge<'projection'> = new Gauge({
    name: 'cqrs_projection_lag_seconds',
    help: 'Age of the oldest event the projection has not applied, from its commit (occurredAt); 0 when it is caught up',
    labelNames: ['projection'] as const,
    registers: [],
    collect: () => this.collectLag(this.projectionLagSeconds, 'seconds'),
  });

  /** Gateway: rows looked up in the view cache, found there (`hit`) or not (`miss`: fetched from the read-service, or waiting for a fetch). */
  readonly viewCacheRequests = new Counter({
    name: 'cqrs_view_cache_requests_total',
    help: 'Rows looked up in the view cache, by result (hit: answered from it, miss: not in it)',
    labelNames: ['result'] as const,
    registers: [],
  });
  /** Gateway: GraphQL subscriptions open now over WebSocket. */
  readonly subscriptionsActive = new Gauge({
    name: 'cqrs_subscriptions_active',
    help: 'GraphQL subscriptions open now',
    registers: [],
  });
  /** Gateway: values sent to subscribers (each `next` message of a subscription, the first, current view included). */
  readonly subscriptionPushes = new Counter({
    name: 'cqrs_subscription_pushes_total',
    help: 'Values sent to GraphQL subscribers',
    registers: [],
  });

  private inFlight: { readonly current: number } | undefined;
  /** What the scrape-time gauges read, once their part says so. */
  private readonly sources: {
    outboxBacklog?: () => Promise<number>;
    sagaBacklog?: () => Promise<number>;
    projectionLag?: () => Promise<readonly ProjectionLag[]>;
  } = {};
  /** The reading of projection lag that both lag gauges of one scrape share. */
  private lag: Promise<readonly ProjectionLag[] | null> | undefined;
  /** The projections of the last lag reading (NaN for each when a reading fails). */
  private lagged: string[] = [];
  private readonly registered = new Set<Metric>();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The count `requestsInFlight` reports (a service's in-flight limit). */
  trackInFlight(count: { readonly current: number }): void {
    this.inFlight = count;
  }

  /** Write-service: the outbox relay's metrics; `backlog` (unpublished events) is read at each scrape. */
  trackOutbox(backlog: () => Promise<number>): void {
    this.sources.outboxBacklog = backlog;
    this.register(this.publishDuration, this.publishErrors, this.outboxBacklog);
  }

  /** Write-service: the order saga's backlog, read at each scrape. */
  trackSaga(backlog: () => Promise<number>): void {
    this.sources.sagaBacklog = backlog;
    this.register(this.sagaBacklog);
  }

  /** Read-service: the projections' metrics; `lag` is read at each scrape. */
  trackProjections(lag: () => Promise<readonly ProjectionLag[]>): void {
    this.sources.projectionLag = lag;
    this.register(this.projectionUpdateLatency, this.projectionLagEvents, this.projectionLagSeconds);
  }

  /** Gateway: the view cache's lookups (both results start at 0, so that a ratio is defined from the start). */
  trackViewCache(): void {
    this.viewCacheRequests.inc({ result: 'hit' }, 0);
    this.viewCacheRequests.inc({ result: 'miss' }, 0);
    this.register(this.viewCacheRequests);
  }

  /** Gateway: live subscriptions. */
  trackSubscriptions(): void {
    this.register(this.subscriptionsActive, this.subscriptionPushes);
  }

  /** The text exposition format, for GET /metrics. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private register(...metrics: Metric[]): void {
    for (const metric of metrics) {
      if (this.registered.has(metric)) continue;
      this.registered.add(metric);
      this.registry.registerMetric(metric);
    }
  }

  /**
   * Sets one lag gauge from a reading that both lag gauges of one scrape share (prom-client
   * collects them side by side); NaN for every projection when the reading failed.
   */
  private async collectLag(gauge: Gauge<'projection'>, field: 'events' | 'seconds'): Promise<void> {
    const source = this.sources.projectionLag;
    if (!source) return;
    // prom-client starts every metric's collect before it awaits any, so both gauges of a scrape
    // find the reading in flight; the next scrape takes a new one.
    this.lag ??= reading<readonly ProjectionLag[] | null>(source, null).finally(() => {
      this.lag = undefined;
    });
    const lags = await this.lag;
    if (lags) this.lagged = lags.map((lag) => lag.projection);
    gauge.reset();
    for (const lag of lags ?? this.lagged.map((projection) => ({ projection, events: NaN, seconds: NaN }))) {
      gauge.set({ projection: lag.projection }, lag[field]);
    }
  }
}

/**
 * A reading taken at a scrape, never failing it: `fallback` (NaN) when its source is absent,
 * failed, or took longer than READING_TIMEOUT_MS, so that one dependency that does not answer
 * does not hide every other metric of the process.
 */
async function reading<T = number>(read: (() => Promise<T>) | undefined, fallback = NaN as T): Promise<T> {
  if (!read) return fallback;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), READING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([read(), timeout]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
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
