import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one request, command, event batch or push says about it. */
export interface LogContext {
  /** The client's X-Correlation-ID (or the one the gateway made), carried by every command, query and event. */
  correlationId?: string;
  /** The event that caused the command or events being handled (a saga's step). */
  causationId?: string;
  /** The trace, where the work runs with no span active (withoutStatementSpans); else the mixin reads it from the active span. */
  traceId?: string;
}

const store = new AsyncLocalStorage<LogContext>();

/** Runs `work` with these fields on every log line it writes, over those already set. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  const current = store.getStore();
  return store.run(current ? { ...current, ...fields } : fields, work);
}

/** The fields set for the work running now (undefined outside any). */
export function currentLogContext(): LogContext | undefined {
  return store.getStore();
}
