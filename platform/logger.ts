import { pino, type Logger } from 'pino';
import { errorWithoutSql } from './error-without-sql.js';

export type { Logger };

/** Structured JSON logs; every line names the service. Errors never carry SQL (errorWithoutSql). */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid }, serializers: { err: errorWithoutSql } });
}
