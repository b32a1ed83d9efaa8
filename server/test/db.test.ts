// The PostgreSQL connections the server makes.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sendMessage } from '../src/chat/messages.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { openDatabase } from '../src/infra/db.js';
import { createDataDir, createPostgresDatabase } from './support/databases.js';
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
