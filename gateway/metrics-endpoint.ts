import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Metrics } from '../platform/index.js';

export interface MetricsExposure {
  /** The token GET /metrics requires (`Authorization: Bearer <token>`); absent: none. */
  token?: string;
  production: boolean;
}

/**
 * GET /metrics on the API port, when the gateway has no metrics port of its own (METRICS_PORT).
 * With METRICS_TOKEN it requires that bearer token (401 otherwise); without one it is open
 * outside production and not served (404) in production: metrics name every operation and
 * error code and time them, which is not for the public.
 */
export function metricsEndpoint(metrics: Metrics, { token, production }: MetricsExposure): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return (req, res, next) => {
    if (expected === undefined && production) {
      next();
      return;
    }
    if (expected !== undefined) {
      const given = Buffer.from(req.get('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.status(401).set('www-authenticate', 'Bearer').type('text/plain').send('a metrics token is required\n');
        return;
      }
    }
    metrics.expose().then(({ contentType, body }) => {
      res.type(contentType).send(body);
    }, next);
  };
}
