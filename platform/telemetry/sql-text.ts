/** The longest statement a span keeps (one with a batch of events inline can run to hundreds of kilobytes). */
export const SQL_TEXT_MAX = 2_000;

// A string literal: '...' with '' for a quote inside, optionally E'...' (backslash escapes) or a
// Unicode U&'...'; dollar-quoted $tag$...$tag$ bodies too. Either can hold anyone's data.
const STRING_LITERAL = /(?:[eE]'(?:[^'\\]|''|\\.)*'|(?:[uU]&)?'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$)/g;

/**
 * The statement a pg span records as `db.query.text`: string literals replaced by `?` and cut to
 * SQL_TEXT_MAX characters. The semantic conventions ask that query text be collected by default
 * only when sanitized, and ours carries data inline: MikroORM interpolates parameters (tenant,
 * stream ids) and a batch of events goes as one JSON literal, which would put customers' data
 * in every trace backend and make each span kilobytes to serialize and export.
 */
export function sanitizedSqlText(text: string): string {
  const sanitized = text.replace(STRING_LITERAL, '?');
  return sanitized.length > SQL_TEXT_MAX ? `${sanitized.slice(0, SQL_TEXT_MAX)}…` : sanitized;
}
