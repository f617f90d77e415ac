import { headers as natsHeaders, type MsgHdrs, type NatsConnection, type Msg } from '@nats-io/nats-core';
import { AppError, ErrorCode, isErrorCode, type ErrorPayload } from '../schema/errors.js';
import type { Logger } from './logger.js';

/** The reply to every request crossing NATS. */
export type Reply<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export const CORRELATION_HEADER = 'X-Correlation-ID';

const encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export type RequestHandler = (body: unknown, msg: Msg) => Promise<unknown>;
/** Told of every answered request: `ok` or the error code, and the seconds it took. */
export type AnswerObserver = (outcome: string, seconds: number) => void;

/**
 * Serves a request/reply endpoint in a queue group. Each request runs concurrently; whatever
 * it throws becomes an error reply (an unknown error becomes INTERNAL_SERVER_ERROR, logged).
 */
export function serve(nc: NatsConnection, subject: string, queue: string, handler: RequestHandler, logger: Logger, observe?: AnswerObserver): () => Promise<void> {
  const sub = nc.subscribe(subject, { queue });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of sub) {
      const task = answer(msg, handler, logger, observe).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  })();
  return async () => {
    await sub.drain().catch(() => undefined);
    await loop;
    await Promise.allSettled([...inFlight]);
  };
}

async function answer(msg: Msg, handler: RequestHandler, logger: Logger, observe?: AnswerObserver): Promise<void> {
  const started = performance.now();
  let reply: Reply<unknown>;
  try {
    const body: unknown = msg.json();
    reply = { ok: true, data: await handler(body, msg) };
  } catch (error) {
    reply = { ok: false, error: toErrorPayload(error, logger, msg.subject) };
  }
  if (msg.reply) msg.respond(encodeJson(reply));
  observe?.(reply.ok ? 'ok' : reply.error.code, (performance.now() - started) / 1000);
}

export function toErrorPayload(error: unknown, logger: Logger, where: string): ErrorPayload {
  if (error instanceof AppError) return error.toPayload();
  logger.error({ err: error, where }, 'unexpected error');
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal error' };
}

export interface RequestOptions {
  timeoutMs: number;
  correlationId?: string;
  /** Named in SERVICE_UNAVAILABLE messages: "write-service", "read-service". */
  service: string;
}

/** Sends a request and unwraps the reply; a missing or silent service is SERVICE_UNAVAILABLE. */
export async function request<T>(nc: NatsConnection, subject: string, body: unknown, options: RequestOptions): Promise<T> {
  let hdrs: MsgHdrs | undefined;
  if (options.correlationId) {
    hdrs = natsHeaders();
    hdrs.set(CORRELATION_HEADER, options.correlationId);
  }
  let msg: Msg;
  try {
    msg = await nc.request(subject, encodeJson(body), { timeout: options.timeoutMs, ...(hdrs ? { headers: hdrs } : {}) });
  } catch (error) {
    throw AppError.serviceUnavailable(`${options.service} did not answer in ${options.timeoutMs} ms (${(error as Error).message})`);
  }
  const reply = msg.json<Reply<T>>();
  if (reply.ok) return reply.data;
  const code = isErrorCode(reply.error.code) ? reply.error.code : ErrorCode.INTERNAL_SERVER_ERROR;
  throw AppError.fromPayload({ ...reply.error, code });
}
