import type { FormattedExecutionResult } from 'graphql';
import { ErrorCode } from '../../schema/index.js';
import type { Limits } from './limits-config.js';

/** The answer that replaces one over the cap: no data, one QUERY_TOO_COMPLEX error. */
export function tooLargeResult(maxBytes: number, found: number): FormattedExecutionResult {
  const message = `query too complex: ${found} bytes of answer, the limit is ${maxBytes}`;
  return { errors: [{ message, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'responseBytes', max: maxBytes, found } }] };
}

/**
 * Apollo's `stringifyResult` with a cap: the answer is serialized once (compact, where Apollo's
 * default indents), and one larger than `maxResponseBytes` is replaced by an error, so that a
 * client never receives, and the gateway never writes, a body of a hundred megabytes.
 */
export function cappedStringify(limits: Pick<Limits, 'maxResponseBytes'>): (result: FormattedExecutionResult) => string {
  return (result) => {
    const json = JSON.stringify(result);
    const bytes = byteLength(json, limits.maxResponseBytes);
    return bytes > limits.maxResponseBytes ? JSON.stringify(tooLargeResult(limits.maxResponseBytes, bytes)) : json;
  };
}

/** A WebSocket result over the cap as its replacement, or undefined when it fits. */
export function capResult(
  limits: Pick<Limits, 'maxResponseBytes'>,
  result: FormattedExecutionResult,
): FormattedExecutionResult | undefined {
  if (result.data === undefined || result.data === null) return undefined;
  const bytes = byteLength(JSON.stringify(result), limits.maxResponseBytes);
  return bytes > limits.maxResponseBytes ? tooLargeResult(limits.maxResponseBytes, bytes) : undefined;
}

/** UTF-8 length, counted only when the UTF-16 length says it may be over (each unit is 1 to 3 bytes). */
function byteLength(json: string, max: number): number {
  return json.length * 3 <= max ? json.length : Buffer.byteLength(json);
}
