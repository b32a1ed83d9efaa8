import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/infra/db.js';
import { MIGRATIONS_DIR, readMigrations } from '../src/infra/migrator.js';
import { createDataDir, createPostgresDatabase, query } from './support/databases.js';
import { hasPostgres } from './support/env.js';
import { gql } from './support/graphql.js';
import { spawnServer, startServer } from './support/server.js';

const TABLES = [
  '_prisma_migrations',
  'attachments',
  'blocks',
  'friend_requests',
  'friendships',
  'invitations',
  'memberships',
  'message_mentions',
  'message_reports',
  'messages',
  'notifications',
  'push_deliveries',
  'push_subscriptions',
  'reactions',
  'room_audit_log',
  'room_bans',
  'rooms',
  'sessions',
  'users',
  'webhook_deliveries',
  'webhooks',
];

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('migrations', () => {
  it('are read in order with the sha256 of each file', async () => {
    const migrations = await readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    for (const m of migrations) {
      const file = await readFile(join(MIGRATIONS_DIR, m.name, 'migration.sql'));
      expect(m.checksum).toBe(createHash('sha256').update(file).digest('hex'));
    }
  });

  it('give the embedded database every table, once', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const db = await openDatabase({ databaseUrl: undefined, dataDir: data.dir, databasePoolSize: 1 });
    try {
      const first = await db.migrate();
      expect(first).toEqual((await readMigrations()).map((m) => m.name));
      expect(await db.migrate()).toEqual([]);
      const tables = await db.prisma.$queryRaw<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      expect(tables.map((t) => t.table_name)).toEqual(TABLES);
    } finally {
      await db.close();
    }
  });

  describe.runIf(hasPostgres)('on PostgreSQL', () => {
    it('give a fresh database every table and every index; running again changes nothing', async () => {
      const pg = await createPostgresDatabase();
      cleanups.push(pg.drop);
      const db = await openDatabase({ databaseUrl: pg.url, databasePoolSize: 2, dataDir: '' });
      try {
        expect((await db.migrate()).length).toBeGreaterThan(0);
        const before = await query(pg.url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
        expect(await db.migrate()).toEqual([]);
        expect(await query(pg.url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).toEqual(before);
      } finally {
        await db.close();
      }
      const tables = await query<{ table_name: string }>(
        pg.url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual(TABLES);
      const indexes = (
        await query<{ indexname: string }>(pg.url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
      ).map((i) => i.indexname);
      expect(indexes).toEqual(
        expect.arrayContaining([
          'messages_room_id_seq_key',
          'messages_author_id_client_message_id_key',
          'messages_search_vector_idx',
          'users_username_key_key',
        ]),
      );
    });

    it('run once when two servers start at the same moment on one empty database', async () => {
      const pg = await createPostgresDatabase();
      cleanups.push(pg.drop);
      const a = spawnServer({ DATABASE_URL: pg.url });
      const b = spawnServer({ DATABASE_URL: pg.url });
      try {
        const urls = await Promise.all([a.ready, b.ready]);
        for (const url of urls) expect((await fetch(`${url}/readyz`)).status).toBe(200);
        const applied = (a.output() + b.output()).match(/"migration applied"/g) ?? [];
        const migrations = await readMigrations();
        expect(applied).toHaveLength(migrations.length);

        const rows = await query<{
          migration_name: string;
          checksum: string;
          finished_at: Date | null;
          applied_steps_count: number;
          rolled_back_at: Date | null;
        }>(
          pg.url,
          'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name',
        );
        expect(rows).toEqual(
          migrations.map((m) => ({
            migration_name: m.name,
            checksum: m.checksum,
            finished_at: expect.any(Date),
            applied_steps_count: 1,
            rolled_back_at: null,
          })),
        );
      } finally {
        a.kill();
        b.kill();
        await Promise.all([a.exited, b.exited]);
      }
    });
  });
});

describe('the embedded database', () => {
  it('keeps data across a restart', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const first = await startServer({ DATA_DIR: data.dir });
    const user = await first.app.services.db.prisma.user.create({
      data: { id: crypto.randomUUID(), username: 'Persistent', usernameKey: 'persistent', passwordHash: 'x' },
    });
    await first.stop();

    const second = await startServer({ DATA_DIR: data.dir });
    cleanups.push(second.stop);
    const globalId = Buffer.from(`User:${user.id}`).toString('base64');
    const result = await gql(second.url, 'query ($id: ID!) { node(id: $id) { ... on User { username } } }', {
      id: globalId,
    });
    expect(result.data).toEqual({ node: { username: 'Persistent' } });
  });
});
