import { AppError } from './errors.js';

/**
 * Characters no string of the API may hold: NUL (PostgreSQL's text cannot store it and refuses
 * the whole statement), the other C0 controls but tab, line feed and carriage return, and lone
 * UTF-16 surrogates (not Unicode: they do not survive UTF-8, the encoding of NATS, JSON and the
 * database).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where the first unsafe character of `text` is, or -1. */
export function unsafeCharacterAt(text: string): number {
  const match = UNSAFE.exec(text);
  return match ? match.index : -1;
}

/** `text` when it holds no unsafe character; BAD_USER_INPUT naming `field` otherwise. */
export function requireSafeText(text: string, field: string): string {
  if (unsafeCharacterAt(text) >= 0) {
    throw AppError.badInput(field, `${field} holds a control character or an unpaired surrogate`);
  }
  return text;
}

/** Deepest nesting walked; a message deeper than this is refused (GraphQL inputs are far shallower). */
const MAX_DEPTH = 32;

/**
 * Checks every string in a message (object keys included) with requireSafeText, naming the
 * field by its path from `path` (`input.lines[1].sku`, `filter.category`).
 */
export function requireSafeStrings(value: unknown, path: string, depth = 0): void {
  if (typeof value === 'string') {
    requireSafeText(value, path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_DEPTH) throw AppError.badInput(path, `${path} is nested too deeply`);
  if (Array.isArray(value)) {
    value.forEach((item, i) => requireSafeStrings(item, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    requireSafeText(key, at);
    requireSafeStrings(item, at, depth + 1);
  }
}
