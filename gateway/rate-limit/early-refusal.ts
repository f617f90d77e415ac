import type { RequestHandler } from 'express';
import type { Authenticator, Principal } from '../auth.js';
import type { RateLimits } from './rate-limits.js';

/**
 * Before a request's body is read: authenticates its bearer token once (the GraphQL context
 * reuses the answer, `principalOf`), and turns away at once a caller refused earlier in the
 * current window (429, Retry-After, RATE_LIMITED), so that a flood costs neither JSON parsing,
 * nor parse and validation, and other tenants keep the CPU.
 */
export function earlyRefusal(auth: Authenticator, limits: RateLimits | undefined): RequestHandler {
  return (req, res, next) => {
    const principal = auth.authenticate(req.get('authorization'));
    // Rejected (a bad token): the GraphQL context answers it; a request ended before (a body that
    // does not parse) never asks, and must not leave an unhandled rejection behind.
    principal.catch(() => undefined);
    res.locals.principal = principal;
    if (!limits || req.method !== 'POST') return next();
    principal.then(
      (caller) => {
        const refusal = limits.refusedAlready(caller);
        if (!refusal) return next();
        const retryAfter = Number(refusal.details?.retryAfter ?? 1);
        res
          .status(429)
          .set('retry-after', String(retryAfter))
          .json({ errors: [{ message: refusal.message, extensions: { code: refusal.code, retryAfter } }] });
      },
      () => next(), // an unauthenticated request is answered by the GraphQL context, as before
    );
  };
}

/** The principal `earlyRefusal` authenticated for this request (rejected: UNAUTHENTICATED). */
export function principalOf(locals: Record<string, unknown>): Promise<Principal> | undefined {
  return locals.principal as Promise<Principal> | undefined;
}
