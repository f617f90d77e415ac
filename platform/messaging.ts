import { headers as natsHeaders, type MsgHdrs, type NatsConnection, type Msg } from '@nats-io/nats-core';
import { AppError, ErrorCode, isErrorCode, type ErrorPayload } from '../schema/index.js';
import { DEADLINE_HEADER, deadlineIn, isExpired, parseDeadline } from './deadline.js';
import type { Logger } from './logger.js';
import { statementOf } from './error-without-sql.js';
import { isTransient } from './transient-failure.js';
import { withLogContext } from './log-context.js';
import { inSpan, SpanKind, tracingEnabled } from './telemetry/spans.js';
import { contextFromHeaders, injectTraceHeaders } from './telemetry/trace-context.js';

/** The reply to every request crossing NATS. */
export type Reply<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export const CORRELATION_HEADER = 'X-Correlation-ID';

const encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Handles one request; `deadline` (epoch ms, from the caller's header) bounds any wait it makes. */
export type RequestHandler = (body: unknown, msg: Msg, deadline: number | undefined) => Promise<unknown>;
/** Turns what a handler threw into its error reply; never throws. */
export type ErrorNormalizer = (error: unknown, where: string) => ErrorPayload;
/** Told of every answered request: `ok` or the error code, and the seconds it took. */
export type AnswerObserver = (outcome: string, seconds: number) => void;

/**
 * How many requests a service works on at once, over all its endpoints: past `max`, a request
 * is answered SERVICE_UNAVAILABLE at once (the caller retries or tells its client) instead of
 * queueing without end while every request in the queue slows down.
 */
export class InFlightLimit {
  private active = 0;

  constructor(readonly max: number) {}

  get current(): number {
    return this.active;
  }

  tryEnter(): boolean {
    if (this.active >= this.max) return false;
    this.active += 1;
    return true;
  }

  leave(): void {
    this.active -= 1;
  }
}

export interface Endpoint {
  subject: string;
  /** The name of each request's span (default: the subject), e.g. `command createProduct`. */
  spanName?: string;
  queue: string;
  handler: RequestHandler;
  logger: Logger;
  /** Told of every answered request. */
  observe?: AnswerObserver;
  /** Shared by the service's endpoints (absent: no limit). */
  limit?: InFlightLimit;
  /** The service's own error normalizer (default: {@link toErrorPayload}). */
  toErrorPayload?: ErrorNormalizer;
  /** Told of every request dropped unanswered because its deadline had passed before it started. */
  onExpired?: () => void;
}

/**
 * Serves a request/reply endpoint in a queue group. Each request runs concurrently, up to the
 * service's in-flight limit; whatever it throws becomes an error reply through the endpoint's
 * normalizer (by default an unknown error becomes INTERNAL_SERVER_ERROR, logged). A request
 * whose deadline (DEADLINE_HEADER) has passed is dropped before it starts, unanswered: its
 * caller has stopped waiting, and the work would only delay the requests still wanted.
 */
export function serve(nc: NatsConnection, endpoint: Endpoint): () => Promise<void> {
  const { subject, queue, handler, logger, observe, limit, onExpired } = endpoint;
  const spanName = endpoint.spanName ?? subject;
  const normalize = endpoint.toErrorPayload ?? ((error: unknown, where: string) => toErrorPayload(error, logger, where));
  const sub = nc.subscribe(subject, { queue });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of sub) {
      const deadline = parseDeadline(msg.headers?.get(DEADLINE_HEADER));
      if (isExpired(deadline)) {
        onExpired?.();
        continue;
      }
      if (limit && !limit.tryEnter()) {
        refuse(msg, limit, observe);
        continue;
      }
      const task = traced(msg, spanName, () => answer(msg, deadline, handler, normalize, observe)).finally(() => {
        inFlight.delete(task);
        limit?.leave();
      });
      inFlight.add(task);
    }
  })();
  return async () => {
    await sub.drain().catch(() => undefined);
    await loop;
    await Promise.allSettled([...inFlight]);
  };
}

/**
 * Runs a request's work with its correlation id on every log line and, with tracing on, in a
 * server span that continues the caller's trace (the headers' traceparent).
 */
function traced(msg: Msg, spanName: string, work: () => Promise<void>): Promise<void> {
  const correlationId = msg.headers?.get(CORRELATION_HEADER) || undefined;
  const run = () =>
    tracingEnabled()
      ? inSpan(
          spanName,
          { kind: SpanKind.SERVER, parent: contextFromHeaders(msg.headers), attributes: { 'messaging.destination.name': msg.subject } },
          work,
        )
      : work();
  return correlationId ? withLogContext({ correlationId }, run) : run();
}

function refuse(msg: Msg, limit: InFlightLimit, observe?: AnswerObserver): void {
  const error = AppError.serviceUnavailable(`the service is busy (${limit.max} requests in flight); try again shortly`);
  if (msg.reply) msg.respond(encodeJson({ ok: false, error: error.toPayload() } satisfies Reply<never>));
  observe?.(error.code, 0);
}

async function answer(
  msg: Msg,
  deadline: number | undefined,
  handler: RequestHandler,
  normalize: ErrorNormalizer,
  observe?: AnswerObserver,
): Promise<void> {
  const started = performance.now();
  let reply: Reply<unknown>;
  try {
    const body: unknown = msg.json();
    reply = { ok: true, data: await handler(body, msg, deadline) };
  } catch (error) {
    reply = { ok: false, error: normalize(error, msg.subject) };
  }
  if (msg.reply) msg.respond(encodeJson(reply));
  observe?.(reply.ok ? 'ok' : reply.error.code, (performance.now() - started) / 1000);
}

/** The shared normalizer: AppErrors as they are, a passing database failure SERVICE_UNAVAILABLE, the rest INTERNAL_SERVER_ERROR (logged). */
export function toErrorPayload(error: unknown, logger: Logger, where: string): ErrorPayload {
  if (error instanceof AppError) return error.toPayload();
  if (isTransient(error)) {
    // The database went away under the request: nothing to hide, nothing the caller did wrong.
    logger.warn({ err: error, where }, 'request failed on a passing database failure');
    return {
      code: ErrorCode.SERVICE_UNAVAILABLE,
      message: 'the database did not answer; repeat the request (with the same idempotency key for a mutation)',
    };
  }
  // The logger's `err` serializer drops a failed statement (errorWithoutSql); it is only for debugging.
  logger.error({ err: error, where }, 'unexpected error');
  const statement = statementOf(error);
  if (statement !== undefined) logger.debug({ where, statement }, 'the failed statement');
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal error' };
}

export interface RequestOptions {
  /** How long to wait for the reply; the request's deadline (DEADLINE_HEADER) is this far from now. */
  timeoutMs: number;
  correlationId?: string;
  /** Named in SERVICE_UNAVAILABLE messages: "write-service", "read-service". */
  service: string;
  /**
   * With tracing on, whether the request gets a client span of its own (`request <subject>`,
   * the default). Without one, the caller's active span is the parent the headers carry: for
   * a request that is all its caller's span does (a mutation's command), where a second span
   * would only repeat the first (decision #50).
   */
  span?: boolean;
}

/**
 * Sends a request and unwraps the reply; a missing or silent service is SERVICE_UNAVAILABLE.
 * The request carries its deadline (now + timeoutMs) in DEADLINE_HEADER, so that the service
 * drops it, or stops waiting for it, once this caller has stopped waiting for the reply.
 */
export function request<T>(nc: NatsConnection, subject: string, body: unknown, options: RequestOptions): Promise<T> {
  if (!tracingEnabled() || options.span === false) return send<T>(nc, subject, body, options);
  return inSpan(`request ${subject}`, { kind: SpanKind.CLIENT, attributes: { 'messaging.destination.name': subject } }, () =>
    send<T>(nc, subject, body, options),
  );
}

async function send<T>(nc: NatsConnection, subject: string, body: unknown, options: RequestOptions): Promise<T> {
  const hdrs: MsgHdrs = natsHeaders();
  injectTraceHeaders(hdrs);
  hdrs.set(DEADLINE_HEADER, String(deadlineIn(options.timeoutMs)));
  if (options.correlationId) hdrs.set(CORRELATION_HEADER, options.correlationId);
  let msg: Msg;
  try {
    msg = await nc.request(subject, encodeJson(body), { timeout: options.timeoutMs, headers: hdrs });
  } catch (error) {
    throw AppError.serviceUnavailable(`${options.service} did not answer in ${options.timeoutMs} ms (${(error as Error).message})`);
  }
  const reply = msg.json<Reply<T>>();
  if (reply.ok) return reply.data;
  const code = isErrorCode(reply.error.code) ? reply.error.code : ErrorCode.INTERNAL_SERVER_ERROR;
  throw AppError.fromPayload({ ...reply.error, code });
}
