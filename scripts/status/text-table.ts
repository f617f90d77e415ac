/** How a cell is shown on a terminal that takes colours. */
export type Tone = 'plain' | 'strong' | 'good' | 'bad' | 'warn' | 'dim';

export interface Cell {
  text: string;
  tone?: Tone;
  /** Right-aligned (numbers). */
  right?: boolean;
}

const CODES: Record<Exclude<Tone, 'plain'>, string> = { strong: '1', good: '32', bad: '31', warn: '33', dim: '2' };

export function paint(text: string, tone: Tone, colour: boolean): string {
  return colour && tone !== 'plain' ? `\x1b[${CODES[tone]}m${text}\x1b[0m` : text;
}

/**
 * Lines of a plain-text table: columns as wide as their widest cell (the header's too), two
 * spaces apart, numbers right-aligned, no trailing spaces; colour codes only around the padded
 * text, so that they never move a column.
 */
export function table(headers: readonly string[], rows: readonly (readonly (Cell | string)[])[], colour: boolean): string[] {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? { text: cell } : cell)));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]?.text.length ?? 0)));
  const line = (row: readonly Cell[]) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? cell.text.length;
        // The last column is not padded: no trailing spaces, coloured or not.
        const padded = cell.right ? cell.text.padStart(width) : i === row.length - 1 ? cell.text : cell.text.padEnd(width);
        return paint(padded, cell.tone ?? 'plain', colour);
      })
      .join('  ');
  return [
    line(headers.map((text, i) => ({ text, tone: 'dim', right: cells.some((row) => row[i]?.right) }))),
    ...cells.map((row) => line(row)),
  ];
}
