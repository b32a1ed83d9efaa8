// Rooms, history and search (issue 4): latency of history pages and full-text search at the
// GraphQL endpoint on a room with a long history, and sustained sendMessage throughput.
//   npx tsx bench/history.ts [--messages 1000000] [--requests 500] [--concurrency 4]
//                            [--send-seconds 10] [--senders 16] [--max-phase-seconds 180]
//                            [--embedded] [--seeded <manifest.json>] [--keep] [--only history,search,sql,send]
//                            [--warm-up 300] [--client http|fetch] [--only …,conversations]
// Seeds a fresh database with bench/seed-history.ts first (PostgreSQL on DATABASE_URL's server,
// default postgresql://postgres@127.0.0.1:5432/test; `--embedded`: a PGlite DATA_DIR), or reuses
// one kept by `bench/seed-history.ts --keep` (`--seeded`). Drops what it seeded unless --keep.
// Prints a report and writes it as JSON to bench/results/history-<timestamp>.json. All traffic goes
// to server processes on 127.0.0.1 started here; every loop is bounded in count and in time.
// `conversations` (issue 14): reactions on every 5th message, pages with reactions and reply
// counts, the page as the web app asks for it, messagesAround, and the plain page and the page with
// reactions side by side (alternating requests on the same random seqs, so the two are compared
// under the same load).
import { createHmac, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { encodeCursor } from '../server/src/chat/cursor.js';
import { closeHttp, post } from './http.js';
import {
  arg,
  DEFAULT_ADMIN_URL,
  dropSeeded,
  flag,
  PASSWORD,
  type Replica,
  resultsDir,
  type Seeded,
  seedHistory,
  sleep,
  startReplica,
  writeManifest,
} from './seed-history.js';

const requests = Math.min(100_000, Math.max(1, Number(arg('requests', '500'))));
const concurrency = Math.min(64, Math.max(2, Number(arg('concurrency', '4'))));
const sendSeconds = Math.min(120, Math.max(1, Number(arg('send-seconds', '10'))));
const senders = Math.min(256, Math.max(1, Number(arg('senders', '16'))));
const maxPhaseSeconds = Math.min(900, Math.max(5, Number(arg('max-phase-seconds', '180'))));
const seedMessages = Math.min(10_000_000, Math.max(10_000, Number(arg('messages', '1000000'))));
/** Requests of each case before it is measured: a server in use has its hot code optimised. */
const WARM_UP = Math.min(10_000, Math.max(0, Number(arg('warm-up', '300'))));
/** `http`: node:http with kept-alive sockets (default); `fetch`: Node's fetch (undici), which costs more per request. */
const client = arg('client', 'http');
if (client !== 'http' && client !== 'fetch') throw new Error('--client is http or fetch');
/** Which parts to run (all by default). */
const only = new Set(arg('only', 'history,search,sql,send,conversations').split(','));
/** Upper bound on sends in one phase, whatever the duration. */
const MAX_SENDS = 200_000;
const TARGETS = { historyP99Ms: 10, searchP99Ms: 50 };
const adminUrl = process.env.DATABASE_URL || DEFAULT_ADMIN_URL;
const loadAtStart = round(loadavg()[0]!);

// ---------------------------------------------------------------------------------------------
// Statistics

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
function round(x: number, digits = 2) {
  return Number(x.toFixed(digits));
}

interface Stats {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}
function stats(latencies: number[]): Stats {
  const s = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1);
  return {
    n: s.length,
    p50Ms: round(pct(s, 50)),
    p90Ms: round(pct(s, 90)),
    p99Ms: round(pct(s, 99)),
    maxMs: round(pct(s, 100)),
    meanMs: round(mean),
  };
}

interface Phase extends Stats {
  name: string;
  concurrency: number;
  seconds: number;
  perSecond: number;
  failed: number;
  /** The phase stopped at maxPhaseSeconds before making all its requests. */
  timeCapped: boolean;
  load1: number;
  firstError?: string;
}

/**
 * `count` requests (`concurrency` at a time), stopping early after `maxSeconds`. `request` returns
 * null when the answer is right, else what is wrong.
 */
async function run(
  name: string,
  count: number,
  inFlight: number,
  request: (i: number) => Promise<string | null>,
  maxSeconds = maxPhaseSeconds,
): Promise<Phase> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let started = 0;
  const load1 = round(loadavg()[0]!);
  const begin = performance.now();
  const deadline = begin + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < count && performance.now() < deadline) {
        const i = started++;
        const t = performance.now();
        let error: string | null;
        try {
          error = await request(i);
        } catch (e) {
          error = (e as Error).message;
        }
        if (error === null) latencies.push(performance.now() - t);
        else {
          failed++;
          firstError ??= error;
        }
      }
    }),
  );
  const elapsed = (performance.now() - begin) / 1000;
  return {
    name,
    concurrency: inFlight,
    seconds: round(elapsed),
    perSecond: round(latencies.length / elapsed, 1),
    failed,
    timeCapped: started < count,
    load1,
    ...stats(latencies),
    ...(firstError ? { firstError: firstError.slice(0, 300) } : {}),
  };
}

/**
 * Two kinds of request measured side by side, one at a time: `count` pairs, each pair on one
 * argument from `argument()` (a random seq, say), the order within a pair alternating, so that a
 * change in the machine's load falls on both alike. A phase for each.
 */
async function sideBySide<A>(
  names: [string, string],
  count: number,
  argument: () => A,
  requests: [(a: A) => Promise<string | null>, (a: A) => Promise<string | null>],
): Promise<[Phase, Phase]> {
  const pairs = Array.from({ length: count }, argument);
  const turn = (which: 0 | 1) => (i: number) => requests[which](pairs[i >> 1]!);
  // Request i of the combined run is pair i >> 1; even pairs go A then B, odd ones B then A.
  const latencies: [number[], number[]] = [[], []];
  const combined = await run(`${names[0]} | ${names[1]}`, count * 2, 1, async (i) => {
    const which = ((i & 1) ^ ((i >> 1) & 1)) as 0 | 1;
    const t = performance.now();
    const error = await turn(which)(i);
    if (error === null) latencies[which].push(performance.now() - t);
    return error;
  });
  return [0, 1].map((which) => ({
    ...combined,
    name: `${names[which]} (side by side)`,
    perSecond: round(latencies[which]!.length / combined.seconds, 1),
    ...stats(latencies[which]!),
  })) as [Phase, Phase];
}

// ---------------------------------------------------------------------------------------------
// GraphQL over HTTP

interface Answer {
  status: number;
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Answer> {
  const body = JSON.stringify({ query, variables });
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (client === 'fetch') {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body,
    });
    return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
  }
  const response = await post(url, '', body, auth);
  return { status: response.status, ...(JSON.parse(response.body) as Omit<Answer, 'status'>) };
}
const problem = (a: Answer) => `HTTP ${a.status}: ${JSON.stringify(a.errors ?? a.data).slice(0, 300)}`;

const NODE = 'id seq body createdAt author { id username }';
const HISTORY = `query ($roomId: ID!, $last: Int, $before: String) {
  messages(roomId: $roomId, last: $last, before: $before) {
    edges { cursor node { ${NODE} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
/** The history page as a client showing reactions and threads asks for it (issue 14). */
const CONVERSATION_NODE = `${NODE} replyCount lastReplyAt reactions { emoji count viewerReacted }`;
const HISTORY_CONVERSATION = HISTORY.replace(NODE, CONVERSATION_NODE);
/** The history page as the web app asks for it (its MessageData fragment, client/web/src/messages.ts). */
const WEB_APP_NODE = `id seq body clientMessageId createdAt editedAt deletedAt
  author { id username displayName avatarUrl } room { id } threadRootId replyCount lastReplyAt pinnedAt
  reactions { emoji count viewerReacted } mentions { id username }
  attachments { id filename contentType size url width height thumbnailUrl }`;
const HISTORY_WEB_APP = HISTORY.replace(NODE, WEB_APP_NODE);
const AROUND = `query ($roomId: ID!, $seq: Int!) {
  messages: messagesAround(roomId: $roomId, seq: $seq, limit: 50) {
    edges { cursor node { ${NODE} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const SEARCH = `query ($q: String!, $roomId: ID, $first: Int) {
  searchMessages(query: $q, roomId: $roomId, first: $first) {
    edges { cursor node { ${NODE} room { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq } }';
const ROOM = 'query ($id: ID!) { room(id: $id) { lastSeq memberCount } }';
const SINCE = 'query ($r: ID!, $a: Int!, $f: Int) { messagesSince(roomId: $r, afterSeq: $a, first: $f) { seq } }';

// ---------------------------------------------------------------------------------------------
// Setup

let seeded: Seeded;
let seededHere = false;
const manifest = arg('seeded', '');
if (manifest) {
  seeded = JSON.parse(readFileSync(manifest, 'utf8')) as Seeded;
  console.log(`reusing ${seeded.databaseName ?? seeded.dataDir} (${seeded.messages} seeded messages)`);
} else {
  console.log(`seeding ${seedMessages} messages (${flag('embedded') ? 'embedded' : 'postgres'})…`);
  seeded = await seedHistory({
    messages: seedMessages,
    users: Math.max(2, Math.min(64, senders)),
    embedded: flag('embedded'),
    adminUrl,
  });
  seededHere = true;
}
const postgres = seeded.kind === 'postgres';
const roomId = seeded.room.id;
const cursorSecret = createHmac('sha256', seeded.jwtSecret).update('page cursors').digest();
const cursorAt = (seq: number) => encodeCursor(cursorSecret, seeded.room.uuid, seq);
/** The `before` cursor of the deep page: seq 100,001 of a million, 900,000 messages newer than it. */
const DEEP_BEFORE_SEQ = Math.max(51, Math.floor(seeded.messages / 10) + 1);

const replicas: Replica[] = [];
let sql: pg.Client | null = null;
async function cleanUp() {
  await Promise.all(replicas.splice(0).map((r) => r.stop()));
  await sql?.end().catch(() => undefined);
  sql = null;
  if (seededHere && !flag('keep')) {
    await dropSeeded(seeded, adminUrl).catch((e: Error) => console.error(`could not drop: ${e.message}`));
    console.log('seeded database dropped (pass --keep to keep it)');
  } else if (seededHere) {
    console.log(`kept; manifest: ${writeManifest(seeded, adminUrl)}`);
  }
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

const reads: Phase[] = [];
const sqlTimings: Record<string, Stats & { note: string }> = {};
const sends: (Phase & { replicas: number; senders: number; check: Record<string, unknown> })[] = [];
let postgresVersion: string | null = null;
let searchPlan: string | null = null;
let serverStartMs = NaN;
let lastSeqBefore = NaN;

try {
  const a = await startReplica(seeded.serverEnv);
  replicas.push(a);
  serverStartMs = a.startMs;
  console.log(`server up in ${a.startMs} ms`);

  // Access tokens live 15 minutes: sign everyone in again before the sends.
  const tokens: string[] = [];
  const signIn = async () => {
    tokens.length = 0;
    for (const user of seeded.users) {
      const r = await gql(a.graphqlUrl, 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }', {
        input: { username: user.username, password: PASSWORD },
      });
      if (!r.data?.login?.accessToken) throw new Error(`login failed: ${problem(r)}`);
      tokens.push(r.data.login.accessToken as string);
    }
  };
  await signIn();
  const token = tokens[0]!; // a member of the room reads and searches
  const roomNow = await gql(a.graphqlUrl, ROOM, { id: roomId }, token);
  const lastSeq = roomNow.data?.room?.lastSeq as number;
  lastSeqBefore = lastSeq;
  if (!(lastSeq >= seeded.messages)) throw new Error(`room lastSeq: ${problem(roomNow)}`);

  // The cursor secret: ours must sign the server's cursors.
  const newest = await gql(a.graphqlUrl, HISTORY, { roomId, last: 50 }, token);
  const first = newest.data?.messages?.edges?.[0];
  if (!first || first.cursor !== cursorAt(first.node.seq)) {
    throw new Error(`the server's cursors are not signed like ours: ${problem(newest)}`);
  }

  const historyCheck =
    (firstSeq: number | null, lastSeqOfPage: number | null) =>
    (r: Answer): string | null => {
      const edges = r.data?.messages?.edges as { node: { seq: number; author: { id: string } } }[] | undefined;
      if (!edges || edges.length !== 50 || !edges[0]!.node.author?.id) return problem(r);
      if (firstSeq !== null && edges[0]!.node.seq !== firstSeq) return `first seq ${edges[0]!.node.seq}`;
      if (lastSeqOfPage !== null && edges[49]!.node.seq !== lastSeqOfPage) return `last seq ${edges[49]!.node.seq}`;
      return null;
    };
  const searchCheck = (word: string, expected: number | 'full', inRoom: boolean) => (r: Answer) => {
    const edges = r.data?.searchMessages?.edges as { node: { body: string; room: { id: string } } }[] | undefined;
    if (!edges) return problem(r);
    if (expected === 'full' ? edges.length !== 20 : edges.length !== expected) return `${edges.length} hits`;
    if (!edges.every((e) => e.node.body.includes(word))) return `a hit without "${word}"`;
    if (inRoom && !edges.every((e) => e.node.room.id === roomId)) return 'a hit from another room';
    return null;
  };

  // Reactions on every 5th message (two emoji by two users each), once per seeded database.
  if (only.has('conversations') && postgres) {
    const client = new pg.Client({ connectionString: seeded.databaseUrl });
    await client.connect();
    try {
      const started = performance.now();
      const { rowCount } = await client.query(
        `INSERT INTO reactions (message_id, emoji, user_id)
         SELECT m.id, e.emoji, u.id FROM messages m
         CROSS JOIN (VALUES ('👍'), ('🎉')) AS e(emoji)
         CROSS JOIN (SELECT id FROM users ORDER BY id LIMIT 2) AS u
         WHERE m.room_id = $1 AND m.seq % 5 = 0 AND NOT EXISTS (SELECT 1 FROM reactions LIMIT 1)`,
        [seeded.room.uuid],
      );
      await client.query('ANALYZE reactions');
      console.log(`reactions: ${rowCount} rows added in ${Math.round(performance.now() - started)} ms`);
    } finally {
      await client.end();
    }
  }

  const deepCursor = cursorAt(DEEP_BEFORE_SEQ);
  /** The 50 messages before a random seq, read with `query` (the plain page, or with reactions and reply counts). */
  const pageBeforeRandomSeq = async (query: string, before = randomInt(51, lastSeq + 1)) => {
    return historyCheck(
      before - 50,
      before - 1,
    )(await gql(a.graphqlUrl, query, { roomId, last: 50, before: cursorAt(before) }, token));
  };
  const readCases: {
    name: string;
    request: () => Promise<string | null>;
    kind: 'history' | 'search' | 'conversations';
  }[] = [
    {
      name: 'history: newest 50',
      kind: 'history',
      request: async () =>
        historyCheck(lastSeq - 49, lastSeq)(await gql(a.graphqlUrl, HISTORY, { roomId, last: 50 }, token)),
    },
    {
      name: `history: 50 before seq ${DEEP_BEFORE_SEQ} (depth ${lastSeq - DEEP_BEFORE_SEQ + 1})`,
      kind: 'history',
      request: async () =>
        historyCheck(
          DEEP_BEFORE_SEQ - 50,
          DEEP_BEFORE_SEQ - 1,
        )(await gql(a.graphqlUrl, HISTORY, { roomId, last: 50, before: deepCursor }, token)),
    },
    {
      name: 'history: 50 before a random seq',
      kind: 'history',
      request: () => pageBeforeRandomSeq(HISTORY),
    },
    {
      name: 'history: newest 50, with reactions and replyCount',
      kind: 'conversations',
      request: async () =>
        historyCheck(lastSeq - 49, lastSeq)(await gql(a.graphqlUrl, HISTORY_CONVERSATION, { roomId, last: 50 }, token)),
    },
    {
      name: 'history: 50 before a random seq, with reactions and replyCount',
      kind: 'conversations',
      request: () => pageBeforeRandomSeq(HISTORY_CONVERSATION),
    },
    {
      name: 'history: 50 before a random seq, again without them',
      kind: 'conversations',
      request: () => pageBeforeRandomSeq(HISTORY),
    },
    {
      name: 'history: 50 before a random seq, as the web app asks (room, attachments, mentions, avatars)',
      kind: 'conversations',
      request: () => pageBeforeRandomSeq(HISTORY_WEB_APP),
    },
    {
      name: 'messagesAround a random seq, limit 50',
      kind: 'conversations',
      request: async () => {
        const seq = randomInt(26, lastSeq - 24);
        return historyCheck(seq - 24, seq + 25)(await gql(a.graphqlUrl, AROUND, { roomId, seq }, token));
      },
    },
    ...[
      {
        word: seeded.commonWord,
        expected: 'full' as const,
        label: `common "${seeded.commonWord}", ${seeded.commonCount} hits`,
      },
      {
        word: seeded.rareWord,
        expected: seeded.rareCount,
        label: `rare "${seeded.rareWord}", ${seeded.rareCount} hits`,
      },
    ].flatMap(({ word, expected, label }) => [
      {
        name: `search ${label}, in the room`,
        kind: 'search' as const,
        request: async () =>
          searchCheck(word, expected, true)(await gql(a.graphqlUrl, SEARCH, { q: word, roomId, first: 20 }, token)),
      },
      {
        name: `search ${label}, all rooms`,
        kind: 'search' as const,
        request: async () =>
          searchCheck(word, expected, false)(await gql(a.graphqlUrl, SEARCH, { q: word, first: 20 }, token)),
      },
    ]),
  ];

  for (const c of readCases.filter((x) => only.has(x.kind))) {
    for (const inFlight of [1, concurrency]) {
      await run(`${c.name} (warm-up)`, WARM_UP, 1, c.request, 60);
      const phase = await run(c.name, requests, inFlight, c.request);
      reads.push(phase);
      console.log(
        `${c.name}, ${inFlight} in flight: p50 ${phase.p50Ms} ms, p99 ${phase.p99Ms} ms, ${phase.perSecond}/s` +
          ` (n=${phase.n}${phase.failed ? `, ${phase.failed} failed: ${phase.firstError}` : ''})`,
      );
    }
  }

  // The plain page and the page with reactions and reply counts, on the same random seqs (issue 14).
  if (only.has('conversations')) {
    await run('side by side (warm-up)', WARM_UP, 1, () => pageBeforeRandomSeq(HISTORY_CONVERSATION), 60);
    const phases = await sideBySide(
      ['history: 50 before a random seq', 'history: 50 before a random seq, with reactions and replyCount'],
      requests,
      () => randomInt(51, lastSeq + 1),
      [(before) => pageBeforeRandomSeq(HISTORY, before), (before) => pageBeforeRandomSeq(HISTORY_CONVERSATION, before)],
    );
    for (const phase of phases) {
      reads.push(phase);
      console.log(`${phase.name}: p50 ${phase.p50Ms} ms, p99 ${phase.p99Ms} ms (n=${phase.n}, ${phase.failed} failed)`);
    }
  }

  // The database alone (PostgreSQL only: the embedded one is the server's while it runs).
  if (postgres) {
    sql = new pg.Client({ connectionString: seeded.databaseUrl });
    await sql.connect();
    postgresVersion = (await sql.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
  }
  if (postgres && sql && only.has('sql')) {
    const client = sql;
    const timeSql = async (name: string, note: string, n: number, text: string, params: unknown[]) => {
      for (let i = 0; i < 5; i++) await client.query(text, params);
      const latencies: number[] = [];
      const deadline = performance.now() + 60_000;
      for (let i = 0; i < n && performance.now() < deadline; i++) {
        const t = performance.now();
        await client.query(text, params);
        latencies.push(performance.now() - t);
      }
      sqlTimings[name] = { ...stats(latencies), note };
      console.log(`SQL ${name}: p50 ${sqlTimings[name]!.p50Ms} ms, p99 ${sqlTimings[name]!.p99Ms} ms`);
    };
    const room = seeded.room.uuid;
    const viewer = '00000000-0000-4000-8000-000000000000';
    await timeSql(
      'history page (Prisma findMany shape)',
      'SELECT … WHERE room_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 51',
      200,
      'SELECT id, room_id, seq, author_id, body, created_at FROM messages WHERE room_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 51',
      [room, DEEP_BEFORE_SEQ],
    );
    // Before: searchMessages' statement as of commit 54a19e7 (every match ranked, then sorted).
    const rankAll = (inRoom: boolean) => `
      SELECT id, rank, "createdAt" FROM (
        SELECT m.id, m.created_at AS "createdAt", ts_rank(m.search_vector, q.query)::float8 AS rank
        FROM messages m
        JOIN rooms r ON r.id = m.room_id
        CROSS JOIN websearch_to_tsquery('simple', $1::text) AS q(query)
        WHERE m.search_vector @@ q.query AND m.deleted_at IS NULL
          ${inRoom ? 'AND m.room_id = $3::uuid' : ''}
          AND (r.kind = 'PUBLIC' OR EXISTS (
            SELECT 1 FROM memberships ms WHERE ms.room_id = m.room_id AND ms.user_id = $2::uuid))
      ) hit
      ORDER BY rank DESC, "createdAt" DESC, id DESC
      LIMIT 21`;
    // After: only the newest 1,000 matches ranked. In a room the planner walks (room_id, seq)
    // backwards and stops after 1,000 hits of a common word, and keeps the GIN index for a rare
    // one; across rooms it walks created_at (fast only with an index on messages(created_at)).
    const rankNewest = (inRoom: boolean) => `
      SELECT c.id, ts_rank(c.search_vector, q.query)::float8 AS rank, c.created_at AS "createdAt"
      FROM (
        SELECT m.id, m.created_at, m.search_vector
        FROM messages m ${inRoom ? '' : 'JOIN rooms r ON r.id = m.room_id'}
        CROSS JOIN websearch_to_tsquery('simple', $1::text) AS q(query)
        WHERE m.search_vector @@ q.query AND m.deleted_at IS NULL
          ${
            inRoom
              ? 'AND m.room_id = $2::uuid ORDER BY m.seq DESC'
              : `AND (r.kind = 'PUBLIC' OR EXISTS (
                   SELECT 1 FROM memberships ms WHERE ms.room_id = m.room_id AND ms.user_id = $2::uuid))
                 ORDER BY m.created_at DESC`
          }
        LIMIT 1000
      ) c CROSS JOIN websearch_to_tsquery('simple', $1::text) AS q(query)
      ORDER BY rank DESC, "createdAt" DESC, c.id DESC
      LIMIT 21`;
    const createdAtIndex = (
      await sql.query(`SELECT 1 FROM pg_indexes WHERE tablename = 'messages' AND indexdef LIKE '%(created_at)%'`)
    ).rowCount;
    for (const word of [seeded.commonWord, seeded.rareWord]) {
      const few = word === seeded.commonWord ? 50 : 200;

      for (const inRoom of [true, false]) {
        const where = inRoom ? 'in the room' : 'all rooms';
        await timeSql(
          `search "${word}" ${where}: all matches ranked`,
          'before (54a19e7)',
          few,
          rankAll(inRoom),
          inRoom ? [word, viewer, room] : [word, viewer],
        );
        await timeSql(
          `search "${word}" ${where}: newest 1000 ranked`,
          inRoom || createdAtIndex ? 'after' : 'after, but no index on messages(created_at)',
          200,
          rankNewest(inRoom),
          [word, inRoom ? room : viewer],
        );
      }
    }
    const plan = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${rankAll(true)}`, [
      seeded.commonWord,
      viewer,
      room,
    ]);
    searchPlan = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  // Sustained sends: `senders` members at once, on one replica, then on two.
  await signIn();
  const sendPhase = async (on: Replica[]) => {
    const label = `sendMessage, ${senders} senders, ${on.length} replica${on.length > 1 ? 's' : ''}`;
    let n = 0;
    const send = (worker: number) =>
      gql(
        on[worker % on.length]!.graphqlUrl,
        SEND,
        { i: { roomId, body: `load ${on.length}r ${worker}.${n++} ${'x'.repeat(worker % 40)}` } },
        tokens[worker % tokens.length],
      );
    for (let w = 0; w < 2 * senders; w++) await send(w); // warm-up: every replica, every sender
    await sleep(300);
    const before = (await gql(a.graphqlUrl, ROOM, { id: roomId }, tokens[0])).data?.room?.lastSeq as number;
    const seqs: number[] = [];
    let worker = 0;
    const phase = await run(
      label,
      MAX_SENDS,
      senders,
      async () => {
        const r = await send(worker++ % senders);
        const seq = r.data?.sendMessage?.seq as number | undefined;
        if (typeof seq !== 'number') return problem(r);
        seqs.push(seq);
        return null;
      },
      sendSeconds,
    );
    // Seqs: before+1 … before+ok, each once, and lastSeq agrees (read back through the API).
    const stored: number[] = [];
    for (let page = 0; page < MAX_SENDS / 1000 + 2; page++) {
      const after = stored.at(-1) ?? before;
      const r = await gql(a.graphqlUrl, SINCE, { r: roomId, a: after, f: 1000 }, tokens[0]);
      const got = (r.data?.messagesSince as { seq: number }[] | undefined)?.map((m) => m.seq);
      if (!got) throw new Error(`messagesSince: ${problem(r)}`);
      stored.push(...got);
      if (got.length < 1000) break;
    }
    const lastSeqAfter = (await gql(a.graphqlUrl, ROOM, { id: roomId }, tokens[0])).data?.room?.lastSeq as number;
    const returned = [...seqs].sort((x, y) => x - y);
    const contiguous = stored.every((s, i) => s === before + 1 + i);
    const check: Record<string, unknown> = {
      seqBefore: before,
      firstSeq: stored[0] ?? null,
      lastSeq: stored.at(-1) ?? null,
      stored: stored.length,
      acknowledged: seqs.length,
      contiguous,
      roomLastSeqAgrees: lastSeqAfter === (stored.at(-1) ?? before),
      acknowledgedSeqsAreTheStoredOnes: returned.length === stored.length && returned.every((s, i) => s === stored[i]),
    };
    if (postgres && sql) {
      const [row] = (
        await sql.query(
          `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seqs, min(seq) AS lo, max(seq) AS hi
           FROM messages WHERE room_id = $1::uuid AND seq > $2`,
          [seeded.room.uuid, before],
        )
      ).rows;
      check.sql = row;
    }
    const ok =
      contiguous &&
      check.roomLastSeqAgrees === true &&
      check.acknowledgedSeqsAreTheStoredOnes === true &&
      stored.length === phase.n;
    check.ok = ok;
    sends.push({ ...phase, replicas: on.length, senders, check });
    console.log(
      `${label}: ${phase.perSecond} msgs/s, p50 ${phase.p50Ms} ms, p99 ${phase.p99Ms} ms (n=${phase.n}, ${phase.failed} failed);` +
        ` seqs ${before + 1}…${stored.at(-1)}: ${ok ? 'contiguous, each once' : `WRONG ${JSON.stringify(check)}`}`,
    );
  };
  if (only.has('send')) await sendPhase([a]);
  if (only.has('send') && postgres) {
    const b = await startReplica(seeded.serverEnv);
    replicas.push(b);
    await sendPhase([a, b]);
  } else if (only.has('send')) {
    console.log('two replicas: skipped (the embedded database is one process only)');
  }
} finally {
  closeHttp();
  await cleanUp();
}

// ---------------------------------------------------------------------------------------------
// Report

const report = {
  bench: 'history',
  issue: 'Rooms, history and search (4)',
  at: new Date().toISOString(),
  machine: {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: postgresVersion,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: round(loadavg()[0]!),
  },
  database: seeded.kind,
  seed: {
    reused: !seededHere,
    messages: seeded.messages,
    users: seeded.users.length,
    commonWord: seeded.commonWord,
    commonCount: seeded.commonCount,
    rareWord: seeded.rareWord,
    rareCount: seeded.rareCount,
    timingsMs: seeded.timingsMs,
  },
  settings: { requests, concurrency, warmUp: WARM_UP, client, maxPhaseSeconds, sendSeconds, senders, only: [...only] },
  targets: TARGETS,
  serverStartMs,
  roomLastSeqAtStart: lastSeqBefore,
  reads,
  sql: sqlTimings,
  sends,
  searchPlanCommonWordInRoom: searchPlan,
};

const p = (s: string | number, n: number) => String(s).padStart(n);
const mark = (x: Phase) => {
  const target = x.name.startsWith('history') ? TARGETS.historyP99Ms : TARGETS.searchP99Ms;
  return x.p99Ms <= target ? '' : `  ✗ p99 > ${target} ms`;
};
const lines = [
  `Rooms, history and search — ${report.machine.cpus} × ${report.machine.cpuModel}, node ${report.machine.node},` +
    ` ${seeded.kind} database, ${seeded.messages} messages (load ${loadAtStart} → ${report.machine.loadAverageAtEnd})`,
  seededHere
    ? `seeding: ${(seeded.timingsMs.total! / 1000).toFixed(1)} s (bulk insert ${(seeded.timingsMs.insertMessages! / 1000).toFixed(1)} s)`
    : 'seeding: reused',
  `${'request'.padEnd(58)} ${p('conc', 4)} ${p('n', 5)} ${p('p50 ms', 8)} ${p('p99 ms', 8)} ${p('max ms', 8)} ${p('req/s', 7)}`,
  ...reads.map(
    (x) =>
      `${x.name.padEnd(58)} ${p(x.concurrency, 4)} ${p(x.n, 5)} ${p(x.p50Ms, 8)} ${p(x.p99Ms, 8)} ${p(x.maxMs, 8)} ${p(x.perSecond, 7)}${mark(x)}` +
      (x.failed ? `  ! ${x.failed} failed: ${x.firstError}` : ''),
  ),
  ...sends.map(
    (x) =>
      `${`sendMessage, ${x.replicas} replica(s)`.padEnd(58)} ${p(x.concurrency, 4)} ${p(x.n, 5)} ${p(x.p50Ms, 8)} ${p(x.p99Ms, 8)} ${p(x.maxMs, 8)} ${p(x.perSecond, 7)}` +
      `  seqs ${x.check.ok ? 'contiguous, no dupes' : 'WRONG'}${x.failed ? `  ! ${x.failed} failed: ${x.firstError}` : ''}`,
  ),
  ...Object.entries(sqlTimings).map(
    ([name, x]) => `SQL ${name.padEnd(54)} ${p(1, 4)} ${p(x.n, 5)} ${p(x.p50Ms, 8)} ${p(x.p99Ms, 8)} ${p(x.maxMs, 8)}`,
  ),
];
console.log(`\n${lines.join('\n')}`);

mkdirSync(resultsDir, { recursive: true });
const file = new URL(`history-${report.at.replace(/[:.]/g, '-')}.json`, resultsDir);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten: ${file.pathname}`);
