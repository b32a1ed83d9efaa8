import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config.js';
import { type Prisma, PrismaClient } from '../generated/prisma/client.js';
import { checkChannel, PostgresListener } from './listener.js';
import type { Logger } from './logger.js';
import { migrate, type MigrationConnection } from './migrator.js';
import { withTimeout } from './timeout.js';
import { traced, SpanKind } from './tracing.js';

export { PrismaClient };

/** The database the server runs on: PostgreSQL when DATABASE_URL is set, PGlite in DATA_DIR otherwise. */
export interface Database {
  kind: 'postgres' | 'embedded';
  prisma: PrismaClient;
  /** Applies pending migrations (under the advisory lock); returns the names applied. */
  migrate(): Promise<string[]>;
  /** Resolves when the database answers a trivial query within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  /** Connections of the pool: open, idle, and requests waiting for one. */
  poolStats(): { total: number; idle: number; waiting: number };
  /**
   * The rows of one read-only statement built with `Prisma.sql`, run by the driver under Prisma
   * (the same pool, or the same PGlite) without going through Prisma's client. Columns come typed
   * as `$queryRaw` types them here: timestamptz as Date, int4 as number, uuid and text as string.
   *
   * For the hot reads (history pages): Prisma's client answers with a promise object whose `spec`
   * getter is defined in an object literal, and V8 keeps such a getter in an accessor pair in old
   * space, so every result stays alive through each young-generation GC until the next full one.
   * That was ~35 KB copied and promoted per history page.
   */
  read<T>(statement: Prisma.Sql, options?: ReadOptions): Promise<T[]>;
  /**
   * SQL statements sent so far through `prisma` and `read`, when opened with `countQueries` (tests);
   * else 0. Statements of background work (starting with BACKGROUND) are no request's: not counted.
   */
  queryCount(): number;
  /**
   * Calls `onNotify` on each notification of `channel` (NOTIFY or pg_notify, from any connection of
   * any replica, once its transaction commits), and once after each time the listening connection is
   * made (notifications sent while it was not listening are not kept). Returns the way to stop.
   */
  listen(channel: string, onNotify: () => void): () => void;
}

export interface ReadOptions {
  /**
   * Run as a named prepared statement on PostgreSQL (each pooled connection parses it once and may
   * reuse its plan): for statements of a fixed text run on every request, whose parsing and
   * planning cost more than their execution (the send statement: ~0.8 ms planning, ~0.3 ms
   * executing). Not for reads whose best plan depends on the values (a generic plan would be
   * chosen for them after five runs). The embedded database ignores it.
   */
  prepare?: boolean;
}

/** The mark a statement of background work (not of a request) starts with, so queryCount leaves it out. */
export const BACKGROUND = '/* background */';

export interface DatabaseOptions {
  log?: Logger;
  /** Count the statements Prisma sends (to check a request's query count in tests). */
  countQueries?: boolean;
  /** A span per statement on PostgreSQL (tracing is on). */
  trace?: boolean;
}

type DbConfig = Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dataDir'> &
  Partial<Pick<Config, 'databasePreparedStatements' | 'databaseListenUrl'>>;

export async function openDatabase(config: DbConfig, options: DatabaseOptions = {}): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(
        config.databaseUrl,
        config.databasePoolSize,
        config.databasePreparedStatements ?? true,
        config.databaseListenUrl ?? config.databaseUrl,
        options,
      )
    : openEmbedded(config.dataDir, options);
}

type Adapter = NonNullable<ConstructorParameters<typeof PrismaClient>[0]['adapter']>;

/**
 * The Prisma client on `adapter`, and `read` on the same driver (`query`), counting the statements
 * of both when asked to.
 */
function createClient(
  adapter: Adapter,
  query: (text: string, values: unknown[], prepare: boolean) => Promise<{ rows: unknown[] }>,
  countQueries = false,
): Pick<Database, 'prisma' | 'read' | 'queryCount'> {
  let count = 0;
  const prisma = countQueries
    ? new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] })
    : new PrismaClient({ adapter });
  if (countQueries) {
    prisma.$on(
      'query' as never,
      ((event: { query: string }) => {
        if (!event.query.startsWith(BACKGROUND)) count++;
      }) as never,
    );
  }
  return {
    prisma,
    async read<T>(statement: Prisma.Sql, options?: ReadOptions) {
      if (countQueries) count++;
      return (await query(statement.text, statement.values, options?.prepare === true)).rows as T[];
    },
    queryCount: () => count,
  };
}

const preparedNames = new Map<string, string>();
/**
 * The name a prepared statement goes by: derived from its text, so the same text has the same name
 * on every connection and two texts never share one. Only statements passed with `prepare` are
 * named, and their texts are a fixed few, so the map stays small.
 */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `chat_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** `close` may be called more than once (a failed start, then a stop): the first call does it. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/**
 * Every promise-style statement run through `target` (the pool, as Prisma and `read` use it, or a
 * connection taken for a transaction) in a span of its own, with its text (never its values).
 * The pool runs its own statements on a connection with a callback: those pass through untraced.
 */
function traceStatements(target: { query: unknown }) {
  const query = (target.query as (...args: unknown[]) => unknown).bind(target);
  target.query = (...args: unknown[]) => {
    const [first] = args;
    const callback = typeof args.at(-1) === 'function';
    const submittable = typeof (first as { submit?: unknown } | null)?.submit === 'function';
    if (callback || submittable) return query(...args);
    const text = typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? '');
    return traced(
      `db ${text.trimStart().split(/\s/, 1)[0]!.toUpperCase()}`,
      { 'db.system.name': 'postgresql', 'db.query.text': text },
      () => query(...args) as Promise<unknown>,
      { kind: SpanKind.CLIENT },
    );
  };
}

function openPostgres(
  url: string,
  poolSize: number,
  prepared: boolean,
  listenUrl: string,
  { log, countQueries, trace }: DatabaseOptions,
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    // The chat's statements are short; PostgreSQL's JIT compiler (on by default) took ~60 ms to
    // compile a 14 ms search whose plan looked costly. `options` in DATABASE_URL overrides this.
    options: '-c jit=off',
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A dropped connection must not crash the process; the pool replaces it on the next query.
  pool.on('error', (error) => log?.warn({ err: error.message }, 'database connection lost'));
  if (trace) {
    traceStatements(pool);
    pool.on('connect', traceStatements);
  }
  const access = createClient(
    new PrismaPg(pool),
    (text, values, prepare) =>
      pool.query(prepare && prepared ? { name: preparedName(text), text, values } : { text, values }),
    countQueries,
  );
  const listener = new PostgresListener(listenUrl, log);
  return {
    kind: 'postgres',
    ...access,
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async migrate() {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        const conn: MigrationConnection = {
          query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
          exec: async (sql) => void (await client.query(sql)),
        };
        return await migrate(conn, log);
      } finally {
        await client.end();
      }
    },
    async ping(timeoutMs = 2_000) {
      await withTimeout(pool.query('SELECT 1'), timeoutMs, 'database');
    },
    close: once(async () => {
      await listener.close();
      await access.prisma.$disconnect();
      await pool.end().catch(() => undefined);
    }),
  };
}

/**
 * The embedded PostgreSQL's shared buffers: 32 MB instead of the 128 MB initdb picks. PGlite touches
 * all of them when it starts, in the server's own memory: an idle embedded server was 444 MiB
 * resident, ~120 MiB of it this cache. It is one replica on a laptop; the operating system's file
 * cache still holds the data files (2026-12-06: 368 -> 281 MiB for PGlite opened on migrated data).
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=32MB'];

async function openEmbedded(dataDir: string, { log, countQueries }: DatabaseOptions): Promise<Database> {
  const dir = resolve(dataDir, 'pg');
  await mkdir(dir, { recursive: true });
  // Loaded only here: PGlite's module alone is ~45 MiB resident, which a replica on PostgreSQL never needs.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ]);
  const pglite = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] });
  const access = createClient(new PrismaPGlite(pglite), (text, values) => pglite.query(text, values), countQueries);
  const conn: MigrationConnection = {
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
    exec: async (sql) => void (await pglite.exec(sql)),
  };
  return {
    kind: 'embedded',
    ...access,
    // One connection, in process.
    poolStats: () => ({ total: 1, idle: 0, waiting: 0 }),
    listen(channel, onNotify) {
      checkChannel(channel);
      const listening = pglite.listen(channel, onNotify).then(
        (unlisten) => {
          onNotify();
          return unlisten;
        },
        (error: Error) => log?.warn({ err: error.message, channel }, 'database listen failed'),
      );
      return () =>
        void listening.then((unlisten) => (unlisten && !pglite.closed ? unlisten() : undefined)).catch(() => undefined);
    },
    migrate: () => migrate(conn, log),
    async ping(timeoutMs = 2_000) {
      await withTimeout(pglite.query('SELECT 1'), timeoutMs, 'database');
    },
    close: once(async () => {
      await access.prisma.$disconnect();
      await pglite.close();
    }),
  };
}
