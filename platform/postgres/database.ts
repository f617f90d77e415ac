import pg from 'pg';
import { MikroORM, type EntitySchema, type MigrationObject } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';

export type Orm = MikroORM<PostgreSqlDriver>;

/** Creates the database named in `url` when it does not exist (safe when replicas race). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database ${quoteIdent(name)}`).catch((error: { code?: string }) => {
        // 42P04 duplicate_database, 23505 when two creations race on the catalog.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** Drops a database (tests and tooling only). */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface OpenOrmOptions {
  url: string;
  entities: EntitySchema[];
  migrations: MigrationObject[];
  poolSize?: number;
}

/**
 * Opens MikroORM on a database, creating the database and running the committed migrations
 * first. Replicas starting together serialize their migrations on an advisory lock.
 */
export async function openOrm(options: OpenOrmOptions): Promise<Orm> {
  await ensureDatabase(options.url);
  const orm = await MikroORM.init<PostgreSqlDriver>({
    driver: PostgreSqlDriver,
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    migrations: { migrationsList: options.migrations, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    pool: { min: 1, max: options.poolSize ?? 8 },
    allowGlobalContext: true,
    debug: false,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
  });
  const lock = new pg.Client({ connectionString: options.url });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', ['migrations']);
    await orm.getMigrator().up();
  } finally {
    await lock.end();
  }
  return orm;
}
