// The PostgreSQL connections the server makes.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sendMessage } from '../src/chat/messages.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { type Database, openDatabase } from '../src/infra/db.js';
import { LISTENER_APPLICATION_NAME } from '../src/infra/listener.js';
import {
  createDataDir,
  createPostgresDatabase,
  databaseKinds,
  type DatabaseKind,
  freshDatabaseEnv,
  query,
} from './support/databases.js';
import { hasPostgres } from './support/env.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe.runIf(hasPostgres)('the PostgreSQL pool', () => {
  it('runs with JIT compilation off (it cost more than the statements it compiled)', async () => {
    const pg = await createPostgresDatabase();
    cleanups.push(pg.drop);
    const db = await openDatabase({ databaseUrl: pg.url, databasePoolSize: 2, dataDir: '' });
    cleanups.push(() => db.close());
    const [setting] = await db.prisma.$queryRaw<{ jit: string }[]>`SHOW jit`;
    expect(setting!.jit).toBe('off');
  });

  it('runs a send as a named prepared statement, parsed once per connection, unless told not to', async () => {
    const pg = await createPostgresDatabase();
    cleanups.push(pg.drop);
    const prepared = (db: Awaited<ReturnType<typeof openDatabase>>) =>
      db.read<{ statement: string }>(Prisma.sql`SELECT statement FROM pg_prepared_statements`);
    for (const on of [true, false]) {
      // One connection, so the statements listed are the ones the sends ran on.
      const db = await openDatabase({
        databaseUrl: pg.url,
        databasePoolSize: 1,
        databasePreparedStatements: on,
        dataDir: '',
      });
      cleanups.push(() => db.close());
      await db.migrate();
      // A send to a room that does not exist: the store statement runs, stores nothing, and the
      // checks after it say why.
      for (let i = 0; i < 2; i++) {
        await expect(
          sendMessage(db, randomUUID(), { roomId: randomUUID(), body: 'hello', clientMessageId: `c${i}` }),
        ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      }
      const statements = (await prepared(db)).map((row) => row.statement);
      expect(statements.filter((text) => text.includes('INSERT INTO messages'))).toHaveLength(on ? 1 : 0);
    }
  });
});

describe('the embedded database', () => {
  it('keeps 32 MB of shared buffers (PGlite touches them all at start, in the server process)', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const db = await openDatabase({ databaseUrl: undefined, databasePoolSize: 1, dataDir: data.dir });
    cleanups.push(() => db.close());
    const [setting] = await db.prisma.$queryRaw<{ shared_buffers: string }[]>`SHOW shared_buffers`;
    expect(setting!.shared_buffers).toBe('32MB');
  });
});

/** A database of `kind` listening on `channel`, and how many times it has called back. */
async function listening(kind: DatabaseKind, channel: string) {
  const env = await freshDatabaseEnv(cleanups, kind);
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, databasePoolSize: 2, dataDir: env.DATA_DIR ?? '' });
  cleanups.push(() => db.close());
  let heard = 0;
  const stop = db.listen(channel, () => heard++);
  // Once listening, the callback is called once (what was notified before is looked for).
  await vi.waitFor(() => expect(heard).toBe(1));
  return { db, env, heard: () => heard, stop };
}
const notify = (db: Database, channel: string) => db.prisma.$executeRaw`SELECT pg_notify(${channel}, '')`;

describe.each(databaseKinds)('LISTEN on the %s database', (kind) => {
  it('hears each committed notification of its channel, and none of another or after it stops', async () => {
    const { db, heard, stop } = await listening(kind, 'chat_test_a');
    await notify(db, 'chat_test_a');
    await vi.waitFor(() => expect(heard()).toBe(2));
    await notify(db, 'chat_test_b');
    // Notified inside a transaction that rolls back: nothing.
    await db.prisma
      .$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_notify('chat_test_a', '')`;
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await notify(db, 'chat_test_a');
    await vi.waitFor(() => expect(heard()).toBe(3));
    stop();
    await notify(db, 'chat_test_a');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard()).toBe(3);
  });

  it('refuses a channel name that LISTEN would need quoted', async () => {
    const env = await freshDatabaseEnv(cleanups, kind);
    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, databasePoolSize: 1, dataDir: env.DATA_DIR ?? '' });
    cleanups.push(() => db.close());
    expect(() => db.listen('x; DROP TABLE users', () => undefined)).toThrow(/not a channel name/);
  });
});

describe.runIf(hasPostgres)('the PostgreSQL listener', () => {
  it('connects again when its connection is lost, and calls back once it listens', async () => {
    const { db, env, heard } = await listening('postgres', 'chat_test_c');
    const [ended] = await query<{ count: number }>(
      env.DATABASE_URL!,
      `SELECT count(pg_terminate_backend(pid))::int AS count FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1`,
      [LISTENER_APPLICATION_NAME],
    );
    expect(ended!.count).toBe(1);
    // Back and listening: called once to catch up, then hears notifications again.
    await vi.waitFor(() => expect(heard()).toBe(2), { timeout: 5_000 });
    await notify(db, 'chat_test_c');
    await vi.waitFor(() => expect(heard()).toBe(3));
  });

  it('listens through DATABASE_LISTEN_URL when set (PostgreSQL itself, when DATABASE_URL is a transaction pool)', async () => {
    const pg = await createPostgresDatabase();
    cleanups.push(pg.drop);
    const listenUrl = new URL(pg.url);
    listenUrl.searchParams.set('application_name', 'chat-listen-url');
    const db = await openDatabase({
      databaseUrl: pg.url,
      databaseListenUrl: listenUrl.toString(),
      databasePoolSize: 1,
      dataDir: '',
    });
    cleanups.push(() => db.close());
    let heard = 0;
    db.listen('chat_test_d', () => heard++);
    await vi.waitFor(() => expect(heard).toBe(1));
    const connected = await query<{ application_name: string }>(
      pg.url,
      'SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    expect(connected.map((c) => c.application_name)).toEqual(['chat-listen-url']);
  });
});
