import { AppError } from '../../schema/index.js';

/** Opaque keyset cursor: the sort value and the id of the last row of a page. */
export function encodeCursor(sortValue: string | number | null, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): [string | number | null, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[1] === 'string' &&
      (value[0] === null || typeof value[0] === 'string' || typeof value[0] === 'number')
    ) {
      return [value[0] as string | number | null, value[1]];
    }
  } catch {
    // fall through
  }
  throw AppError.badInput(field, `${field} is not a cursor from this list`);
}
