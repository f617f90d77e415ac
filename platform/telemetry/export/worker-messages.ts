import type { SpanBatch } from './span-record.js';

/** From the service's thread to the exporting thread. */
export type ToExporter = { type: 'spans'; batch: SpanBatch } | { type: 'flush'; id: number } | { type: 'shutdown'; id: number };

/** From the exporting thread: a batch handed to its processors, a flush or the shutdown done. */
export type FromExporter = { type: 'taken'; count: number } | { type: 'flushed'; id: number } | { type: 'shut'; id: number };
