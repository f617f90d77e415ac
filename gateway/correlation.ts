import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { CORRELATION_HEADER, withLogContext } from '../platform/index.js';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Correlation-ID when it is sane, else a new one. */
export function correlationIdOf(value: unknown): string {
  return typeof value === 'string' && VALID.test(value) ? value : randomUUID();
}

/**
 * Gives every request a correlation id (`res.locals.correlationId`), echoes it in the response
 * and puts it on every log line written while the request is handled.
 */
export function correlationMiddleware(): RequestHandler {
  return (req, res, next) => {
    const id = correlationIdOf(req.get(CORRELATION_HEADER));
    res.locals.correlationId = id;
    res.set(CORRELATION_HEADER, id);
    withLogContext({ correlationId: id }, next);
  };
}
