import { pino, type Logger } from 'pino';
import { errorWithoutSql } from './error-without-sql.js';
import { currentLogContext } from './log-context.js';
import { activeTraceId } from './telemetry/spans.js';

export type { Logger };

/**
 * Structured logs; every line names the service, and every line written while handling a
 * request, command, event batch or push carries its `correlationId` (withLogContext) and, with
 * tracing on, the `traceId` of the active span. JSON, except pretty lines when stdout is a
 * terminal (LOG_FORMAT=json|pretty overrides). Errors never carry SQL (errorWithoutSql).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', format = logFormat()): Logger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    serializers: { err: errorWithoutSql },
    mixin: requestFields,
    ...(format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}

/** A new object each time: pino merges a line's own fields into what the mixin returns. */
function requestFields(): object {
  const fields = currentLogContext();
  const traceId = activeTraceId();
  return traceId === undefined ? { ...fields } : { ...fields, traceId };
}

function logFormat(): 'json' | 'pretty' {
  const chosen = process.env.LOG_FORMAT;
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  if (chosen) throw new Error(`LOG_FORMAT must be "json" or "pretty" (got "${chosen}")`);
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** A duration in seconds as the `ms` of a log line (two decimals). */
export function logMs(seconds: number): number {
  return Math.round(seconds * 100_000) / 100;
}
