import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { adminDatabaseUrl, hasPostgres } from './env.js';

/** A fresh, empty PostgreSQL database of its own for one test file; dropped by `drop()`. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!adminDatabaseUrl) throw new Error('DATABASE_URL is not set');
  const name = `chat_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminDatabaseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A temporary data folder for the embedded database. */
export async function createDataDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs one query on a database URL. */
export async function query<T = Record<string, unknown>>(url: string, sql: string, params?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export type DatabaseKind = 'embedded' | 'postgres';

/** The kinds of database this run can test on: always the embedded one, PostgreSQL when available. */
export const databaseKinds: DatabaseKind[] = hasPostgres ? ['embedded', 'postgres'] : ['embedded'];

/**
 * Server settings for a fresh database of `kind` (PostgreSQL when available and not asked
 * otherwise); its removal is pushed onto `cleanups`.
 */
export async function freshDatabaseEnv(
  cleanups: (() => Promise<void>)[],
  kind: DatabaseKind = adminDatabaseUrl ? 'postgres' : 'embedded',
): Promise<Record<string, string>> {
  if (kind === 'postgres') {
    const db = await createPostgresDatabase();
    cleanups.push(db.drop);
    return { DATABASE_URL: db.url };
  }
  const data = await createDataDir();
  cleanups.push(data.remove);
  return { DATA_DIR: data.dir };
}
