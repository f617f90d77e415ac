import { createHash } from 'node:crypto';
import type { OperationTypeNode } from 'graphql';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type IRateLimiterOptions } from 'rate-limiter-flexible';
import type { Logger, Metrics, RateLimitConfig } from '../../platform/index.js';
import { AppError, ErrorCode } from '../../schema/index.js';
import type { Principal } from '../auth.js';
import { operationCost } from './operation-cost.js';

/** How long a Redis command may take before the check is counted in memory instead. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** How long the gateway waits for Redis as it starts (it starts anyway, counting in memory). */
const REDIS_READY_WAIT_MS = 2_000;

export type RateLimitScope = 'token' | 'tenant';

/** The gateways' rate limits: `check` spends an operation's points, or answers why not. */
export interface RateLimits {
  /**
   * Spends an operation's points (operationCost) of the caller's token and tenant; the
   * RATE_LIMITED error (with `retryAfter` seconds) when either is exhausted.
   */
  check(principal: Principal, operation: OperationTypeNode | undefined): Promise<AppError | undefined>;
  /**
   * The refusal of a caller whose token or tenant was refused earlier in the current window,
   * decided from memory at once: what lets a flood be turned away before its body is read.
   */
  refusedAlready(principal: Principal): AppError | undefined;
  stop(): Promise<void>;
}

/** Most keys remembered as refused; past it, those whose window has ended are forgotten. */
const MAX_REMEMBERED_REFUSALS = 10_000;

/**
 * Rate limits per token (tenant + sub) and per tenant, counted in Redis so that every gateway
 * replica spends the same points (rate-limiter-flexible's RateLimiterRedis, one fixed window
 * per key). While Redis does not answer, each replica counts in its own memory (the insurance
 * limiter): limits then hold per replica, logged once and shown by `cqrs_rate_limit_store_up`.
 * A key that has gone over its limit is refused from memory for the rest of its window, so a
 * flood costs Redis nothing.
 */
export async function startRateLimits(config: RateLimitConfig, redisUrl: string, logger: Logger, metrics: Metrics): Promise<RateLimits> {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  const store = storeWatch(redis, logger, metrics);
  const limiter = (scope: RateLimitScope, points: number) => {
    const window: IRateLimiterOptions = { points, duration: config.windowSeconds, keyPrefix: `${config.keyPrefix}:${scope}` };
    return new RateLimiterRedis({
      ...window,
      storeClient: redis,
      rejectIfRedisNotReady: true,
      inMemoryBlockOnConsumed: points + 1,
      insuranceLimiter: new InsuranceLimiter(window, store.countedInMemory),
    });
  };
  const byToken = limiter('token', config.tokenPoints);
  const byTenant = limiter('tenant', config.tenantPoints);
  await store.ready(REDIS_READY_WAIT_MS);

  // When each key refused in this window may ask again (ms since the epoch).
  const refusedUntil = new Map<string, number>();
  const refusal = (scope: RateLimitScope, msBeforeNext: number) => {
    metrics.rateLimited.inc({ scope });
    const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
    const limit = scope === 'token' ? config.tokenPoints : config.tenantPoints;
    return new AppError(
      ErrorCode.RATE_LIMITED,
      `rate limit of the ${scope} exceeded (${limit} points per ${config.windowSeconds} s); retry after ${retryAfter} s`,
      undefined,
      { retryAfter },
    );
  };
  const remember = (scopeKey: string, until: number) => {
    if (refusedUntil.size >= MAX_REMEMBERED_REFUSALS) {
      const now = Date.now();
      for (const [key, at] of refusedUntil) if (at <= now) refusedUntil.delete(key);
    }
    if (refusedUntil.size < MAX_REMEMBERED_REFUSALS) refusedUntil.set(scopeKey, until);
  };
  const spend = async (scope: RateLimitScope, key: string, cost: number): Promise<AppError | undefined> => {
    try {
      await (scope === 'token' ? byToken : byTenant).consume(key, cost);
      return undefined;
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      remember(`${scope}:${key}`, Date.now() + refused.msBeforeNext);
      return refusal(scope, refused.msBeforeNext);
    }
  };
  const refusedFromMemory = (scope: RateLimitScope, key: string): AppError | undefined => {
    const until = refusedUntil.get(`${scope}:${key}`);
    if (until === undefined) return undefined;
    const msBeforeNext = until - Date.now();
    if (msBeforeNext > 0) return refusal(scope, msBeforeNext);
    refusedUntil.delete(`${scope}:${key}`);
    return undefined;
  };
  return {
    async check(principal, operation) {
      const cost = operationCost(operation, config);
      return (await spend('token', tokenKey(principal), cost)) ?? (await spend('tenant', principal.tenant, cost));
    },
    refusedAlready(principal) {
      return refusedFromMemory('token', tokenKey(principal)) ?? refusedFromMemory('tenant', principal.tenant);
    },
    async stop() {
      store.stop();
      redis.disconnect();
    },
  };
}

/** The token's key: its tenant and subject (a long subject by its hash, to keep keys short). */
export function tokenKey({ tenant, userId }: Pick<Principal, 'tenant' | 'userId'>): string {
  const subject = userId.length <= 64 ? userId : createHash('sha256').update(userId).digest('base64url');
  return `${tenant}:${subject}`;
}

/** The in-memory limiter that counts while Redis does not answer, telling each time it is used. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: IRateLimiterOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

/** Follows whether the counts are shared (Redis ready) or per replica, with a log line at each change. */
function storeWatch(redis: Redis, logger: Logger, metrics: Metrics) {
  let shared = false;
  let warned = false;
  let stopped = false;
  const inMemory = (reason: unknown) => {
    metrics.rateLimitShared.set(0);
    if ((shared || !warned) && !stopped) {
      logger.warn({ err: reason }, 'Redis does not answer: rate limits are counted in this gateway alone until it is back');
    }
    shared = false;
    warned = true;
  };
  const onReady = () => {
    if (!shared && warned) logger.info('Redis answers again: rate limits are shared by every gateway');
    shared = true;
    warned = false;
    metrics.rateLimitShared.set(1);
  };
  const onError = (error: Error) => inMemory(error);
  const onClose = () => {
    if (shared) inMemory(new Error('connection closed'));
  };
  redis.on('ready', onReady);
  redis.on('error', onError);
  redis.on('close', onClose);
  metrics.rateLimitShared.set(0);
  return {
    countedInMemory: () => {
      metrics.rateLimitInsurance.inc();
      if (shared || !warned) inMemory(new Error(`Redis is ${redis.status}`));
    },
    /** Resolves once Redis is ready, or after `timeoutMs` (counting in memory meanwhile). */
    ready: (timeoutMs: number) =>
      new Promise<void>((resolve) => {
        if (redis.status === 'ready') return resolve();
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          redis.off('ready', done);
          resolve();
        }
        redis.once('ready', done);
      }),
    /** Quiet from now on (the 'error' listener stays: ioredis would print an unhandled one). */
    stop: () => {
      stopped = true;
      redis.off('ready', onReady);
      redis.off('close', onClose);
    },
  };
}
