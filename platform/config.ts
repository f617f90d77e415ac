/**
 * Configuration from the environment, with defaults that work on a developer machine
 * (PostgreSQL on 127.0.0.1:5432 with trust auth, NATS with JetStream on 127.0.0.1:4222).
 */
export type AuthMode = 'dev' | 'jwt';

export interface Config {
  /** Prefix of the stream, subjects, consumers and default database names. */
  namespace: string;
  natsUrl: string;
  writeDatabaseUrl: string;
  readDatabaseUrl: string;
  port: number;
  host: string;
  authMode: AuthMode;
  jwtSecret: string;
  /** How long the gateway waits for a service's reply. */
  requestTimeoutMs: number;
  /** How long a query waits for the read models to reach a consistency token. */
  consistencyTimeoutMs: number;
  logLevel: string;
  production: boolean;
  /** Product views the gateway keeps in memory, kept current by view notices; 0 turns the cache off. */
  viewCacheSize: number;
  /** How long idempotency keys are honoured and published outbox rows kept (the write-service prunes older ones). */
  retentionHours: number;
  /** Requests a service works on at once; more are answered SERVICE_UNAVAILABLE at once instead of queueing. */
  maxInFlight: number;
  /** Where the gateways count rate limits together (REDIS_URL). */
  redisUrl: string;
  /** Rate limits per token and per tenant (see RateLimitConfig); absent: off (RATE_LIMIT=off, or AUTH_MODE=dev unless RATE_LIMIT=on). */
  rateLimit?: RateLimitConfig;
  /** Where the write- and read-service serve GET /metrics (0: any free port); absent: not served. The gateway serves /metrics on its own port. */
  metricsPort?: number;
}

const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const namespace = env.NAMESPACE ?? 'cqrs';
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(`NAMESPACE must match ${NAMESPACE_PATTERN} (got "${namespace}")`);
  }
  const authMode = env.AUTH_MODE ?? 'dev';
  if (authMode !== 'dev' && authMode !== 'jwt') {
    throw new Error(`AUTH_MODE must be "dev" or "jwt" (got "${authMode}")`);
  }
  const production = env.NODE_ENV === 'production';
  if (production && authMode === 'dev') {
    throw new Error('AUTH_MODE=dev is refused when NODE_ENV=production');
  }
  const jwtSecret = env.JWT_SECRET ?? (production ? '' : 'dev-secret-change-me-dev-secret-change-me');
  if (jwtSecret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
  return {
    namespace,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    writeDatabaseUrl: env.WRITE_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${namespace}_write`,
    readDatabaseUrl: env.READ_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${namespace}_read`,
    port: integer(env.PORT, 4000, 'PORT'),
    host: env.HOST ?? '127.0.0.1',
    authMode,
    jwtSecret,
    requestTimeoutMs: integer(env.REQUEST_TIMEOUT_MS, 5000, 'REQUEST_TIMEOUT_MS'),
    consistencyTimeoutMs: integer(env.CONSISTENCY_TIMEOUT_MS, 3000, 'CONSISTENCY_TIMEOUT_MS'),
    logLevel: env.LOG_LEVEL ?? 'info',
    production,
    viewCacheSize: integer(env.VIEW_CACHE_SIZE, 20_000, 'VIEW_CACHE_SIZE'),
    retentionHours: positive(env.RETENTION_HOURS, 168, 'RETENTION_HOURS'),
    maxInFlight: positive(env.MAX_IN_FLIGHT, 1_000, 'MAX_IN_FLIGHT'),
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...rateLimitConfig(env, namespace, authMode),
    ...(env.METRICS_PORT ? { metricsPort: integer(env.METRICS_PORT, 0, 'METRICS_PORT') } : {}),
  };
}

/**
 * Points per fixed window, counted per token (tenant + sub) and per tenant: an operation spends
 * `queryCost` (a query, or a subscription as it starts) or `mutationCost` points of both.
 */
export interface RateLimitConfig {
  windowSeconds: number;
  tokenPoints: number;
  tenantPoints: number;
  queryCost: number;
  mutationCost: number;
  /** Prefix of the Redis keys (default: `<namespace>:rate`), shared by the gateways of one system. */
  keyPrefix: string;
}

/** RATE_LIMIT=on|off; unset: on, except under AUTH_MODE=dev, where every request without a token is the same caller. */
function rateLimitConfig(env: NodeJS.ProcessEnv, namespace: string, authMode: AuthMode): { rateLimit?: RateLimitConfig } {
  const mode = env.RATE_LIMIT ?? (authMode === 'dev' ? 'off' : 'on');
  if (mode !== 'on' && mode !== 'off') throw new Error(`RATE_LIMIT must be "on" or "off" (got "${mode}")`);
  if (mode === 'off') return {};
  return {
    rateLimit: {
      windowSeconds: positive(env.RATE_LIMIT_WINDOW_S, 10, 'RATE_LIMIT_WINDOW_S'),
      tokenPoints: positive(env.RATE_LIMIT_TOKEN_POINTS, 1_000, 'RATE_LIMIT_TOKEN_POINTS'),
      tenantPoints: positive(env.RATE_LIMIT_TENANT_POINTS, 5_000, 'RATE_LIMIT_TENANT_POINTS'),
      queryCost: positive(env.RATE_LIMIT_QUERY_COST, 1, 'RATE_LIMIT_QUERY_COST'),
      mutationCost: positive(env.RATE_LIMIT_MUTATION_COST, 5, 'RATE_LIMIT_MUTATION_COST'),
      keyPrefix: env.RATE_LIMIT_PREFIX ?? `${namespace}:rate`,
    },
  };
}

function integer(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  const value = integer(raw, fallback, name);
  if (value < 1) throw new Error(`${name} must be at least 1`);
  return value;
}
