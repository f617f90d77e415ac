import { AppError, unsafeCharacterAt } from '../../schema/index.js';
import { isCalendarDay } from './calendar-day.js';

/** Opaque keyset cursor: the sort value and the id of the last row of a page. */
export function encodeCursor(sortValue: string | number | null, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

/** The SQL types a cursor's sort value is cast to, each with the text form the database wrote. */
export type CursorValueType = 'text' | 'numeric' | 'real' | 'timestamptz';

const MAX_CURSOR_LENGTH = 2048;
const NUMBER = /^-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,30})?(e[+-]?[0-9]{1,3})?$/i;
// timestamptz as text: "2026-11-30 10:00:00.123456+00" (years 0001-9999).
const TIMESTAMP =
  /^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?([+-][0-9]{2}(:?[0-9]{2})?|Z)$/;

/**
 * A cursor's sort value and id, checked to be what encodeCursor wrote for a value of `type`:
 * a forged cursor is BAD_USER_INPUT naming `field`, never a statement the database refuses.
 */
export function decodeCursor(cursor: unknown, field = 'after', type?: CursorValueType): [string | number | null, string] {
  const refused = () => AppError.badInput(field, `${field} is not a cursor from this list`);
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw refused();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== 'string') throw refused();
  const [sortValue, id] = value as [unknown, string];
  if (sortValue !== null && typeof sortValue !== 'string' && typeof sortValue !== 'number') throw refused();
  if (typeof sortValue === 'string' && (unsafeCharacterAt(sortValue) >= 0 || !fits(sortValue, type))) throw refused();
  if (typeof sortValue === 'number' && !Number.isFinite(sortValue)) throw refused();
  return [sortValue, id];
}

function fits(text: string, type: CursorValueType | undefined): boolean {
  switch (type) {
    case undefined:
    case 'text':
      return text.length <= 1000;
    case 'numeric':
    case 'real':
      return NUMBER.test(text);
    case 'timestamptz':
      return TIMESTAMP.test(text) && isCalendarDay(text.slice(0, 10));
  }
}
