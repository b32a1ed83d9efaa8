// The PostgreSQL connections the server makes.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/infra/db.js';
import { createPostgresDatabase } from './support/databases.js';
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
});
