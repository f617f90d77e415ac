import type pg from 'pg';

/**
 * What the read queries and the projections rely on in a table, named so that two tables in
 * different schemas compare equal when they are interchangeable: columns in order (type, not
 * null, default, generated expression, identity, collation), indexes (name and definition),
 * constraints, triggers, row-level security, owner and grants.
 */
export interface TableShape {
  columns: string[];
  indexes: string[];
  constraints: string[];
  triggers: string[];
  security: string[];
  owner: string;
  grants: string[];
}

export async function tableShape(client: pg.Client, schema: string, table: string): Promise<TableShape> {
  const relation = `${schema}.${table}`;
  const strip = (text: string | null) => (text ?? '').replaceAll(`${schema}.`, '');
  const lines = async (text: string) => (await client.query<{ line: string }>(text, [relation])).rows.map((row) => strip(row.line));
  const columns = await lines(
    `select concat_ws(' ', a.attname, format_type(a.atttypid, a.atttypmod), case when a.attnotnull then 'not null' end,
            case a.attgenerated when 's' then 'generated ' || pg_get_expr(d.adbin, d.adrelid) else 'default ' || pg_get_expr(d.adbin, d.adrelid) end,
            case when a.attidentity <> '' then 'identity ' || a.attidentity::text end,
            case when a.attcollation <> 0 then 'collate ' || a.attcollation::regcollation::text end) as line
       from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
  );
  const indexes = await lines(
    `select c.relname || ': ' || pg_get_indexdef(i.indexrelid) as line from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = $1::regclass order by c.relname`,
  );
  const constraints = await lines(
    "select conname || ': ' || pg_get_constraintdef(oid) as line from pg_constraint where conrelid = $1::regclass order by conname",
  );
  const triggers = await lines('select tgname as line from pg_trigger where tgrelid = $1::regclass and not tgisinternal order by tgname');
  const security = await lines(
    `select 'policy ' || polname as line from pg_policy where polrelid = $1::regclass
     union all select 'row level security' from pg_class where oid = $1::regclass and relrowsecurity
     union all select 'referenced by ' || conrelid::regclass::text from pg_constraint where confrelid = $1::regclass
     union all select distinct 'used by view ' || v.oid::regclass::text from pg_depend d join pg_rewrite r on r.oid = d.objid
       join pg_class v on v.oid = r.ev_class where d.refobjid = $1::regclass and v.oid <> $1::regclass
     order by 1`,
  );
  const access = await client.query<{ owner: string; grants: string[] | null }>(
    `select pg_get_userbyid(relowner) as owner,
            (select array_agg(coalesce(nullif(pg_get_userbyid(g.grantee), ''), 'public') || ' ' || g.privilege_type
                              || case when g.is_grantable then ' with grant option' else '' end order by 1)
               from aclexplode(c.relacl) g where g.grantee <> c.relowner) as grants
       from pg_class c where c.oid = $1::regclass`,
    [relation],
  );
  return {
    columns,
    indexes: indexes.map((line) => line.replace(` ON ${table} `, ' ON ')),
    constraints,
    triggers,
    security,
    owner: access.rows[0]?.owner ?? '',
    grants: access.rows[0]?.grants ?? [],
  };
}

/** How `actual` differs from `expected`, one line per difference; empty when interchangeable. */
export function shapeDifferences(table: string, expected: TableShape, actual: TableShape): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(expected) as (keyof TableShape)[]) {
    const want = [expected[key]].flat();
    const got = [actual[key]].flat();
    if (JSON.stringify(want) === JSON.stringify(got)) continue;
    const missing = want.filter((line) => !got.includes(line));
    const extra = got.filter((line) => !want.includes(line));
    differences.push(
      `${table} ${key}: ${missing.length || extra.length ? `missing [${missing.join(', ')}], extra [${extra.join(', ')}]` : 'in another order'}`,
    );
  }
  return differences;
}
