import { AppError } from './errors.js';
import { MAX_PRICE_CENTS } from './limits.js';
import { fromCents, toCents } from './money.js';
import { requireSafeText } from './text-safety.js';

/**
 * Input rules shared by the domain and the edges. Each check throws BAD_USER_INPUT naming the
 * field at fault, or returns the normalized value.
 */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]{2,31}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

export function requireString(value: unknown, field: string, { min = 1, max = 200 } = {}): string {
  if (typeof value !== 'string') throw AppError.badInput(field, `${field} must be a string`);
  const trimmed = requireSafeText(value, field).trim();
  if (trimmed.length < min || trimmed.length > max) {
    throw AppError.badInput(field, `${field} must be ${min}-${max} characters`);
  }
  return trimmed;
}

export function optionalString(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  return requireString(value, field, { min: 0, max });
}

export function requireSku(value: unknown, field = 'sku'): string {
  const sku = requireString(value, field, { min: 3, max: 32 }).toUpperCase();
  if (!SKU_PATTERN.test(sku)) {
    throw AppError.badInput(field, `${field} must be 3-32 letters, digits or dashes, starting with a letter or digit`);
  }
  return sku;
}

export function requireUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) throw AppError.badInput(field, `${field} must be a UUID`);
  return value.toLowerCase();
}

/** An integer from 1 to `max` (a limit of schema/limits.ts). */
export function requirePositiveInt(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw AppError.badInput(field, `${field} must be an integer from 1 to ${max}`);
  }
  return value;
}

/** Absent (undefined), or an integer from 0 to `max` (a limit of schema/limits.ts). */
export function optionalNonNegativeInt(value: unknown, field: string, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw AppError.badInput(field, `${field} must be an integer from 0 to ${max}`);
  }
  return value;
}

/**
 * A money amount from zero to `maxCents` (default: the highest price): a decimal string with at
 * most two decimals, normalized ("5" -> "5.00").
 */
export function requireAmount(value: unknown, field: string, maxCents = MAX_PRICE_CENTS): string {
  if (typeof value !== 'string' || value.length > 40 || !DECIMAL_PATTERN.test(value)) {
    throw AppError.badInput(field, `${field} must be a decimal string with at most 2 decimals, e.g. "19.99"`);
  }
  const [units = '0', fraction = ''] = value.split('.');
  const amount = `${units}.${fraction.padEnd(2, '0')}`;
  if (toCents(amount) > maxCents) throw AppError.badInput(field, `${field} must be at most ${fromCents(maxCents)}`);
  return amount;
}

/** An ISO 4217 currency code: three capital letters, e.g. "EUR". */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** Absent (undefined), or a currency code as it is written in ISO 4217 (not upper-cased for the client). */
export function optionalCurrency(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !CURRENCY_PATTERN.test(value)) {
    throw AppError.badInput(field, `${field} must be an ISO 4217 currency code: three capital letters, e.g. "EUR"`);
  }
  return value;
}

/** A price: an amount greater than zero. */
export function requirePrice(value: unknown, field = 'price'): string {
  const amount = requireAmount(value, field);
  if (amount === '0.00') throw AppError.badInput(field, `${field} must be greater than 0`);
  return amount;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const REGION_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** An email, normalized: trimmed and lower-case. */
export function requireEmail(value: unknown, field = 'email'): string {
  const email = requireString(value, field, { min: 3, max: 254 }).toLowerCase();
  if (!EMAIL_PATTERN.test(email)) throw AppError.badInput(field, `${field} must be an email address`);
  return email;
}

/** A region code, lower-cased: 1-32 letters, digits, `_` or `-` (it names NATS subjects of sales notices). */
export function requireRegion(value: unknown, field = 'region'): string {
  const region = requireString(value, field, { max: 32 }).toLowerCase();
  if (!REGION_PATTERN.test(region)) throw AppError.badInput(field, `${field} must be 1-32 letters, digits, "_" or "-"`);
  return region;
}

/** An integer within [min, max]. */
export function requireIntInRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw AppError.badInput(field, `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}
