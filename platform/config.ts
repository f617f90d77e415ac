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
  /** HS256 key; absent: HS256 tokens are refused (AUTH_MODE=dev always has the development secret). */
  jwtSecret?: string;
  /** Where RS256/ES256 keys are fetched (a JSON Web Key Set); absent: only HS256. */
  jwksUrl?: string;
  /** Required `iss` and `aud` of every token, when set. */
  jwtIssuer?: string;
  jwtAudience?: string;
  /** The explorer (GET /explorer): on by default, off in production unless EXPLORER=on. */
  explorer: boolean;
  /** Key of the consistency tokens clients see (default: derived from JWT_SECRET); every gateway replica needs the same. */
  consistencyTokenKey?: string;
  /** Bearer token that GET /metrics on the gateway's own port requires; see metricsPort. */
  metricsToken?: string;
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
  /**
   * METRICS_PORT: where this process serves GET /metrics (0: any free port), or `off`: nowhere.
   * Absent: the write- and read-service on their METRICS_PORTS, the gateway on its API port
   * (see METRICS_TOKEN).
   */
  metricsPort?: number | 'off';
}

/** Where the write- and read-service serve GET /metrics when METRICS_PORT is unset (Prometheus scrapes them there). */
export const METRICS_PORTS = { 'write-service': 9464, 'read-service': 9465 } as const;

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
  const auth = authSettings(authMode, env);
  const explorer = onOff(env.EXPLORER, !production, 'EXPLORER');
  const metricsToken = env.METRICS_TOKEN || undefined;
  const consistencyTokenKey = env.CONSISTENCY_TOKEN_KEY || undefined;
  if (consistencyTokenKey !== undefined && consistencyTokenKey.length < 32)
    throw new Error('CONSISTENCY_TOKEN_KEY must be at least 32 characters');
  if (production && !consistencyTokenKey && !auth.jwtSecret) {
    throw new Error('NODE_ENV=production needs CONSISTENCY_TOKEN_KEY when there is no JWT_SECRET (gateway replicas must share it)');
  }
  if (metricsToken !== undefined && metricsToken.length < 32) throw new Error('METRICS_TOKEN must be at least 32 characters');
  return {
    namespace,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    writeDatabaseUrl: env.WRITE_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${namespace}_write`,
    readDatabaseUrl: env.READ_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${namespace}_read`,
    port: integer(env.PORT, 4000, 'PORT'),
    host: env.HOST ?? '127.0.0.1',
    authMode,
    ...auth,
    explorer,
    ...(metricsToken ? { metricsToken } : {}),
    ...(consistencyTokenKey ? { consistencyTokenKey } : {}),
    requestTimeoutMs: integer(env.REQUEST_TIMEOUT_MS, 5000, 'REQUEST_TIMEOUT_MS'),
    consistencyTimeoutMs: integer(env.CONSISTENCY_TIMEOUT_MS, 3000, 'CONSISTENCY_TIMEOUT_MS'),
    logLevel: env.LOG_LEVEL ?? 'info',
    production,
    viewCacheSize: integer(env.VIEW_CACHE_SIZE, 20_000, 'VIEW_CACHE_SIZE'),
    retentionHours: positive(env.RETENTION_HOURS, 168, 'RETENTION_HOURS'),
    maxInFlight: positive(env.MAX_IN_FLIGHT, 1_000, 'MAX_IN_FLIGHT'),
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...rateLimitConfig(env, namespace, authMode),
    ...(env.METRICS_PORT ? { metricsPort: env.METRICS_PORT === 'off' ? 'off' : port(env.METRICS_PORT, 'METRICS_PORT') } : {}),
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

/** The development secret: only ever used under AUTH_MODE=dev (never a fallback for jwt). */
const DEV_SECRET = 'dev-secret-change-me-dev-secret-change-me';

type AuthSettings = Pick<Config, 'jwtSecret' | 'jwksUrl' | 'jwtIssuer' | 'jwtAudience'>;

/**
 * The token keys: AUTH_MODE=jwt needs JWT_SECRET (HS256), JWKS_URL (RS256/ES256) or both, in
 * every environment; AUTH_MODE=dev falls back to the development secret.
 */
function authSettings(authMode: AuthMode, env: NodeJS.ProcessEnv): AuthSettings {
  const jwtSecret = env.JWT_SECRET || (authMode === 'dev' ? DEV_SECRET : undefined);
  const jwksUrl = env.JWKS_URL || undefined;
  if (authMode === 'jwt' && !jwtSecret && !jwksUrl) throw new Error('AUTH_MODE=jwt needs JWT_SECRET or JWKS_URL (or both)');
  if (jwtSecret !== undefined && jwtSecret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new Error(`JWKS_URL must be a URL (got "${jwksUrl}")`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('JWKS_URL must be an http(s) URL');
    if (env.NODE_ENV === 'production' && url.protocol !== 'https:') throw new Error('JWKS_URL must be https when NODE_ENV=production');
  }
  return {
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(env.JWT_ISSUER ? { jwtIssuer: env.JWT_ISSUER } : {}),
    ...(env.JWT_AUDIENCE ? { jwtAudience: env.JWT_AUDIENCE } : {}),
  };
}

function onOff(raw: string | undefined, fallback: boolean, name: string): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`${name} must be "on" or "off" (got "${raw}")`);
}

function integer(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

function port(raw: string, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`${name} must be a port (0-65535; 0: any free port) or "off" (got "${raw}")`);
  }
  return value;
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  const value = integer(raw, fallback, name);
  if (value < 1) throw new Error(`${name} must be at least 1`);
  return value;
}
