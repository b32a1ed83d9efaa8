// Rooms, history and search (issue 4): a room with a long history, for bench/history.ts.
//   npx tsx bench/seed-history.ts [--messages 1000000] [--users 16] [--embedded] [--keep]
// PostgreSQL by default: a fresh database `bench_history_<random>` is created on DATABASE_URL's
// server (default postgresql://postgres@127.0.0.1:5432/test) and migrated by the server's own
// migrator (one server process started on it). `--embedded` seeds a PGlite DATA_DIR instead.
// Users, the room and the memberships are made through the GraphQL API (real password hashes,
// real member rows); the messages are bulk-inserted with SQL (INSERT … SELECT generate_series),
// seq 1…N contiguous. Without --keep the database is dropped at the end (seeding is then only
// timed); with --keep it stays and a manifest for `bench/history.ts --seeded <file>` is written to
// bench/results/. All traffic goes to a server on 127.0.0.1 started here.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { idOf } from '../server/src/schema/ids.js';
import { gql } from '../server/test/support/graphql.js';
import { baseEnv, spawnServer, type ServerProcess } from '../server/test/support/server.js';
import { registerUser } from '../server/test/support/users.js';

/** The word ~20% of the messages hold (every seq ≡ 2 mod 5): the expensive search. */
export const COMMON_WORD = 'deploy';
/** The word exactly one message in 100,000 holds (seq ≡ 31331 mod 100,000): ~10 in a million. */
export const RARE_WORD = 'zanzibar';
export const PASSWORD = 'correct horse battery staple';
/** What spawnServer gives every server; the page cursors are signed with a key derived from it. */
export const JWT_SECRET = baseEnv.JWT_SECRET;
export const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/test';
/** Seconds between two seeded messages: a million of them span ~347 days, ending now. */
const SPACING_SECONDS = 30;

/**
 * Chat words, roughly most frequent first: a message draws 3–14 of them with a skew towards the
 * front (index ∝ random()²), so "the", "i", "you" are in a large share of the messages, like real
 * chat. Neither COMMON_WORD nor RARE_WORD is in it.
 */
const VOCABULARY = `the i you to a it is and that for of on in we this be so just ok have not with can yes lol but are
what was at do will it's me my if no now get all up out about there one time think know like good thanks going see need
sure go make work today let's new tomorrow back right meeting code build test release branch merge fix bug issue review
pr server client api database query index cache latency page cursor search message room user login token session error
log metrics dashboard alert deployed staging production rollback migration schema table column row lunch coffee weekend
monday friday morning afternoon tonight later soon done yet still maybe probably actually really great nice cool
awesome sorry please help question answer idea plan ticket sprint standup demo call link doc docs spec design ui ux
mobile web browser laptop wifi vpn ssh docker kubernetes node typescript graphql postgres redis nginx cpu memory disk
network timeout retry crash restart upgrade version patch team customer feature flag config env secret certificate
domain dns load balancer replica queue worker job cron backup restore snapshot volume cluster region zone latency
throughput benchmark profile trace span slow fast broken flaky green red yellow blocked waiting approved shipped
merged reverted hotfix incident postmortem oncall pager weekend holiday vacation birthday pizza tea train bus traffic
rain sunny cold hot office remote home kitchen keyboard monitor screen headphones microphone camera meeting notes
agenda minutes slides budget invoice contract hiring interview onboarding offboarding laptop password reset account`
  .split(/\s+/)
  .filter(Boolean);

export interface SeedUser {
  /** Global id (User). */
  id: string;
  username: string;
  password: string;
}

export interface Seeded {
  kind: 'postgres' | 'embedded';
  /** postgres: the seeded database; embedded: undefined. */
  databaseUrl?: string;
  databaseName?: string;
  /** embedded: the DATA_DIR; postgres: undefined. */
  dataDir?: string;
  /** The server environment that reaches the seeded data. */
  serverEnv: Record<string, string>;
  jwtSecret: string;
  room: { id: string; uuid: string; name: string };
  users: SeedUser[];
  messages: number;
  commonWord: string;
  rareWord: string;
  /** Messages holding each word, counted after seeding. */
  commonCount: number;
  rareCount: number;
  timingsMs: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Processes

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface Replica {
  url: string;
  graphqlUrl: string;
  process: ServerProcess;
  startMs: number;
  stop(): Promise<void>;
}

/**
 * One server process (`npm start`'s command) on a free loopback port, as the Dockerfile and
 * docker-compose.yml run it (NODE_ENV=production: graphql-js then skips its development-time type
 * checks, ~10 % of a history page's CPU), rate limits off, warnings only; resolves once /readyz
 * answers 200 (LOG_LEVEL=warn hides the "listening" line).
 */
export async function startReplica(env: Record<string, string>, timeoutMs = 120_000, cwd?: string): Promise<Replica> {
  const port = await freePort();
  const began = performance.now();
  const server = spawnServer(
    {
      NODE_ENV: 'production',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
    cwd,
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    server.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 15_000)));
    const code = await Promise.race([server.exited, timeout]).finally(() => clearTimeout(timer));
    if (code === 'timeout') {
      server.kill('SIGKILL');
      await server.exited;
    }
  };
  const deadline = began + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`server not ready after ${timeoutMs} ms:\n${server.output()}`);
    }
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await sleep(50);
  }
  return { url, graphqlUrl: `${url}/graphql`, process: server, startMs: Math.round(performance.now() - began), stop };
}

// ---------------------------------------------------------------------------------------------
// SQL on either database

interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function connectPostgres(url: string): Promise<Sql> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
    close: () => client.end(),
  };
}

async function connectEmbedded(dataDir: string): Promise<Sql> {
  const db = await PGlite.create(join(dataDir, 'pg'));
  return {
    query: async <T>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows,
    close: () => db.close(),
  };
}

/** The database URL `name` on the server of `adminUrl`. */
export function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database this bench created (by name: bench_history_* only). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^bench_history_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = await connectPostgres(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}

/** Removes what `seedHistory` made (database or data folder). */
export async function dropSeeded(seeded: Pick<Seeded, 'kind' | 'databaseName' | 'dataDir'>, adminUrl: string) {
  if (seeded.kind === 'postgres' && seeded.databaseName) await dropDatabase(adminUrl, seeded.databaseName);
  if (seeded.kind === 'embedded' && seeded.dataDir) await rm(seeded.dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Seeding

/**
 * Inserts messages seq `from`…`to` of the room: author rotating over `authors`, 3–14 words of
 * VOCABULARY, COMMON_WORD in every seq ≡ 2 (mod 5), RARE_WORD in every seq ≡ 31331 (mod 100,000),
 * created_at SPACING_SECONDS apart ending at `end`. The search_vector column is generated by the
 * database, and every index of the migration is in place while inserting (the table ends up
 * exactly as the server's own inserts would leave it).
 */
const INSERT_MESSAGES = `
  INSERT INTO messages (id, room_id, seq, author_id, body, created_at)
  SELECT gen_random_uuid(), $1::uuid, g.s, p.authors[1 + g.s % cardinality(p.authors)],
         CASE WHEN g.s % 9 = 0 THEN b.body || '?' WHEN g.s % 13 = 0 THEN b.body || '!' ELSE b.body END,
         $4::timestamptz - make_interval(secs => ($5::int - g.s) * ${SPACING_SECONDS})
  FROM (SELECT string_to_array($2::text, ',')::uuid[] AS authors, string_to_array($3::text, ' ') AS vocab) AS p
  CROSS JOIN generate_series($6::int, $7::int) AS g(s)
  CROSS JOIN LATERAL (SELECT 3 + (hashint4(g.s) & 2147483647) % 12 AS k) AS len
  CROSS JOIN LATERAL (
    SELECT string_agg(
      CASE
        WHEN i = 1 + g.s % len.k AND g.s % 5 = 2 THEN '${COMMON_WORD}'
        WHEN i = len.k AND g.s % 100000 = 31331 THEN '${RARE_WORD}'
        ELSE p.vocab[1 + floor(cardinality(p.vocab) * power(random(), 2))::int]
      END, ' ' ORDER BY i) AS body
    FROM generate_series(1, len.k) AS i
  ) AS b`;

export interface SeedOptions {
  messages: number;
  users: number;
  embedded?: boolean;
  adminUrl?: string;
  /** Rows per INSERT statement (progress is printed between them). */
  chunk?: number;
  log?: (line: string) => void;
}

export async function seedHistory(options: SeedOptions): Promise<Seeded> {
  const log = options.log ?? ((line: string) => console.log(line));
  const adminUrl = options.adminUrl ?? DEFAULT_ADMIN_URL;
  const total = options.messages;
  const chunk = options.chunk ?? 250_000;
  const timingsMs: Record<string, number> = {};
  const began = performance.now();
  let mark = began;
  const lap = (name: string) => {
    const now = performance.now();
    timingsMs[name] = Math.round(now - mark);
    mark = now;
  };

  const kind = options.embedded ? 'embedded' : 'postgres';
  let databaseName: string | undefined;
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  let serverEnv: Record<string, string>;
  if (kind === 'postgres') {
    databaseName = `bench_history_${randomBytes(5).toString('hex')}`;
    const admin = await connectPostgres(adminUrl);
    try {
      await admin.query(`CREATE DATABASE ${databaseName}`);
    } finally {
      await admin.close();
    }
    databaseUrl = databaseUrlFor(adminUrl, databaseName);
    serverEnv = { DATABASE_URL: databaseUrl };
    log(`database ${databaseName} created`);
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'chat-bench-history-'));
    serverEnv = { DATA_DIR: dataDir };
    log(`embedded database in ${dataDir}`);
  }
  const seededPart = { kind, databaseName, dataDir } as const;

  try {
    // 1. Schema (the server's migrator), users, room and memberships through the API.
    const replica = await startReplica(serverEnv);
    let users: SeedUser[];
    let room: Seeded['room'];
    try {
      lap('createAndMigrate');
      const stamp = randomBytes(3).toString('hex');
      const sessions = [];
      for (let i = 0; i < options.users; i++) {
        sessions.push(await registerUser(replica.url, `hist_${stamp}_${i}`, PASSWORD));
      }
      users = sessions.map((s) => ({ id: s.user.id, username: s.user.username, password: PASSWORD }));
      const name = `History ${stamp}`;
      const created = await gql(
        replica.url,
        'mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id name } }',
        { i: { name, kind: 'PUBLIC', topic: `${total} messages of history (bench/seed-history.ts)` } },
        { token: sessions[0]!.accessToken },
      );
      if (!created.data?.createRoom) throw new Error(`createRoom failed: ${JSON.stringify(created.errors)}`);
      room = { id: created.data.createRoom.id, uuid: idOf('Room', created.data.createRoom.id, 'roomId'), name };
      for (const session of sessions.slice(1)) {
        const joined = await gql(
          replica.url,
          'mutation ($i: JoinRoomInput!) { joinRoom(input: $i) { id viewerIsMember } }',
          { i: { roomId: room.id } },
          { token: session.accessToken },
        );
        if (!joined.data?.joinRoom?.viewerIsMember) throw new Error(`joinRoom failed: ${JSON.stringify(joined)}`);
      }
      lap('apiSetup');
      log(`${users.length} users registered and joined room ${room.name} through the API`);
    } finally {
      await replica.stop(); // the embedded database allows one process at a time
    }

    // 2. The history, in bulk.
    const sql = kind === 'postgres' ? await connectPostgres(databaseUrl!) : await connectEmbedded(dataDir!);
    let commonCount: number;
    let rareCount: number;
    try {
      const authorRows = await sql.query<{ id: string }>(
        'SELECT user_id AS id FROM memberships WHERE room_id = $1::uuid ORDER BY joined_at, user_id',
        [room.uuid],
      );
      const authors = authorRows.map((r) => r.id).join(',');
      const end = new Date().toISOString();
      await sql.query('SELECT setseed(0.42)'); // the same words on every run (for one chunk size)
      lap('prepare');
      for (let from = 1; from <= total; from += chunk) {
        const to = Math.min(total, from + chunk - 1);
        const t = performance.now();
        await sql.query(INSERT_MESSAGES, [room.uuid, authors, VOCABULARY.join(' '), end, total, from, to]);
        log(`  messages ${from}…${to} inserted in ${Math.round(performance.now() - t)} ms`);
      }
      lap('insertMessages');
      await sql.query(
        `UPDATE rooms SET last_seq = $2,
           last_activity_at = (SELECT max(created_at) FROM messages WHERE room_id = $1::uuid)
         WHERE id = $1::uuid`,
        [room.uuid, total],
      );
      await sql.query('UPDATE memberships SET last_read_seq = $2 WHERE room_id = $1::uuid', [room.uuid, total]);
      lap('roomAndMembers');
      // VACUUM too: sets the visibility map and hint bits, as autovacuum would have long since.
      await sql.query('VACUUM (ANALYZE) messages');
      await sql.query('ANALYZE');
      lap('vacuumAnalyze');

      const [check] = await sql.query<{ n: number; lo: number; hi: number; last: number }>(
        `SELECT count(*)::int AS n, min(seq) AS lo, max(seq) AS hi,
                (SELECT last_seq FROM rooms WHERE id = $1::uuid) AS last
         FROM messages WHERE room_id = $1::uuid`,
        [room.uuid],
      );
      if (!check || check.n !== total || check.lo !== 1 || check.hi !== total || check.last !== total) {
        throw new Error(`seeded history is not seq 1…${total}: ${JSON.stringify(check)}`);
      }
      const count = async (word: string) =>
        (
          await sql.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM messages WHERE search_vector @@ to_tsquery('simple', $1)`,
            [word],
          )
        )[0]!.n;
      commonCount = await count(COMMON_WORD);
      rareCount = await count(RARE_WORD);
      lap('check');
    } finally {
      await sql.close();
    }
    timingsMs.total = Math.round(performance.now() - began);
    log(
      `seeded ${total} messages in ${(timingsMs.total / 1000).toFixed(1)} s` +
        ` (bulk insert ${(timingsMs.insertMessages! / 1000).toFixed(1)} s);` +
        ` "${COMMON_WORD}" in ${commonCount}, "${RARE_WORD}" in ${rareCount}`,
    );
    return {
      ...seededPart,
      databaseUrl,
      serverEnv,
      jwtSecret: JWT_SECRET,
      room,
      users,
      messages: total,
      commonWord: COMMON_WORD,
      rareWord: RARE_WORD,
      commonCount,
      rareCount,
      timingsMs,
    };
  } catch (error) {
    await dropSeeded(seededPart, adminUrl).catch(() => undefined);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
export const flag = (name: string) => process.argv.includes(`--${name}`);
/** `x` within [lo, hi]; `lo` when it is not a number (a bad flag value). */
export const clamp = (x: number, lo: number, hi: number) => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo);
export const resultsDir = new URL('results/', import.meta.url);
/** The path of a new results file, `<name>-<timestamp>.json` in bench/results/ (made if missing). */
export function resultFile(name: string): string {
  mkdirSync(resultsDir, { recursive: true });
  return fileURLToPath(new URL(`${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, resultsDir));
}

/** Writes the manifest `bench/history.ts --seeded` reads; returns its path. */
export function writeManifest(seeded: Seeded, adminUrl: string): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = new URL(`history-seed-${seeded.databaseName ?? `embedded-${Date.now()}`}.json`, resultsDir);
  writeFileSync(file, `${JSON.stringify({ ...seeded, adminUrl }, null, 2)}\n`);
  return file.pathname;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const messages = Math.min(10_000_000, Math.max(1000, Number(arg('messages', '1000000'))));
  const users = Math.min(64, Math.max(2, Number(arg('users', '16'))));
  const adminUrl = process.env.DATABASE_URL || DEFAULT_ADMIN_URL;
  const seeded = await seedHistory({ messages, users, embedded: flag('embedded'), adminUrl });
  if (flag('keep')) {
    const file = writeManifest(seeded, adminUrl);
    console.log(`kept; manifest: ${file}\n  npx tsx bench/history.ts --seeded ${file}`);
  } else {
    await dropSeeded(seeded, adminUrl);
    console.log('dropped (pass --keep to keep it)');
  }
}
