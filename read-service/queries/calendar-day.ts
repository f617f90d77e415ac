/** Whether YYYY-MM-DD (year 0001 on) is a day of the calendar: 2026-02-30 is not. */
export function isCalendarDay(day: string): boolean {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(day);
  if (!match) return false;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || date < 1) return false;
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, date);
  return at.getUTCMonth() === month - 1 && at.getUTCDate() === date;
}
