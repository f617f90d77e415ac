/** What a product is priced in when its creation names no currency. */
export const DEFAULT_CURRENCY = 'USD';

/**
 * Exact money arithmetic on decimal strings with two decimals ("19.99"), through integer cents:
 * no float ever holds an amount.
 */
export function toCents(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [units = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const cents = BigInt(units) * 100n + BigInt((fraction + '00').slice(0, 2));
  return negative ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

export function multiply(amount: string, quantity: number): string {
  return fromCents(toCents(amount) * BigInt(quantity));
}

export function sum(amounts: readonly string[]): string {
  return fromCents(amounts.reduce((total, amount) => total + toCents(amount), 0n));
}
