import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SQL_TEXT_MAX, sanitizedSqlText } from '../../platform/telemetry/sql-text.js';

describe('sanitizedSqlText - the statement a pg span records', () => {
  it('replaces string literals, doubled quotes inside them included, and keeps the rest', () => {
    assert.equal(
      sanitizedSqlText("select * from events where tenant = 'demo' and stream_id = 'O''Brien' and version > 1"),
      'select * from events where tenant = ? and stream_id = ? and version > 1',
    );
  });

  it('replaces a JSON batch passed inline, with quotes and newlines in it', () => {
    const batch = JSON.stringify([{ email: 'ann@example.com', note: "it's\nfine" }]).replaceAll("'", "''");
    assert.equal(
      sanitizedSqlText(`with ev as (select * from json_to_recordset('${batch}') as x(email text)) select 1`),
      'with ev as (select * from json_to_recordset(?) as x(email text)) select 1',
    );
  });

  it('replaces escape strings, Unicode strings and dollar-quoted bodies', () => {
    assert.equal(sanitizedSqlText("select E'it\\'s', U&'d\\0061t', $$a 'b'$$, $tag$ secret $tag$"), 'select ?, ?, ?, ?');
  });

  it('leaves parameters, identifiers and statements without literals alone', () => {
    const text = 'insert into t_ab12_read.product_view (id, title) values ($1, $2) on conflict do nothing';
    assert.equal(sanitizedSqlText(text), text);
    assert.equal(sanitizedSqlText('BEGIN'), 'BEGIN');
  });

  it(`cuts what remains to ${SQL_TEXT_MAX} characters`, () => {
    const text = `select ${Array.from({ length: 1000 }, (_, i) => `c${i}`).join(', ')} from t`;
    const sanitized = sanitizedSqlText(text);
    assert.equal(sanitized.length, SQL_TEXT_MAX + 1);
    assert.ok(sanitized.startsWith('select c0, c1, ') && sanitized.endsWith('…'));
  });
});
