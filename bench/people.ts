// People (issue 17): a message mentioning 20 members of a 1,000-member room — time to store it
// (sendMessage, p50/p99) and time until all 20 notifications reached their live subscribers — and
// how many Web Push messages per second one replica sends to a local push endpoint.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx bench/people.ts
//   options: --sends 200 (mention messages) --pushes 2000 (push backlog)
//
// It starts the server as operators do (node server/dist/main.js, compiled first, NODE_ENV=production,
// RATE_LIMITS=off, REDIS_URL when set) on a fresh PostgreSQL database (dropped after). The 21 people
// who act register over HTTP; the other 979 members are written straight into the database. The
// 20 mentioned users each follow notificationAdded on their own WebSocket.
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { closeHttp } from './http.js';
import { freshDatabase, gql as request, startOperatorServer } from './operator-server.js';

const { values: args } = parseArgs({
  options: { sends: { type: 'string', default: '200' }, pushes: { type: 'string', default: '2000' } },
});
const SENDS = Number(args.sends);
const PUSHES = Number(args.pushes);
const MEMBERS = 1_000;
const MENTIONED = 20;
const admin = process.env.DATABASE_URL;
if (!admin) throw new Error('DATABASE_URL is required');

const database = await freshDatabase(admin);

// The push endpoint: answers 201 at once, counts what it got.
let pushed = 0;
let pushTarget = Infinity;
let pushReached: (() => void) | undefined;
const endpoint = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(201).end();
    if (++pushed >= pushTarget) pushReached?.();
  });
});
await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
const endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;

const server = await startOperatorServer({
  DATABASE_URL: database.url,
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  PUSH_ALLOW_PRIVATE: 'true',
  DATA_DIR: `/tmp/${database.name}`,
});
const url = server.url;
const gql = (query: string, variables: Record<string, unknown>, token?: string) =>
  request(url, query, variables, token);
const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;
const register = async (username: string) =>
  (
    await gql('mutation ($i: RegisterInput!) { register(input: $i) { accessToken user { id username } } }', {
      i: { username, password: 'correct horse battery' },
    })
  ).register as { accessToken: string; user: { id: string; username: string } };

const tag = randomBytes(3).toString('hex');
const sender = await register(`sender_${tag}`);
const mentioned = [];
for (let i = 0; i < MENTIONED; i++) mentioned.push(await register(`m${i}_${tag}`));
const roomId = (
  await gql(
    'mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id } }',
    { i: { name: `crowd-${tag}`, kind: 'PUBLIC' } },
    sender.accessToken,
  )
).createRoom.id as string;
for (const user of mentioned) {
  await gql('mutation ($i: JoinRoomInput!) { joinRoom(input: $i) { id } }', { i: { roomId } }, user.accessToken);
}
const db = new pg.Client({ connectionString: database.url });
await db.connect();
// The other members, straight into the database.
const others = MEMBERS - 1 - MENTIONED;
await db.query(
  `WITH made AS (
     INSERT INTO users (id, username, username_key, password_hash, updated_at)
     SELECT gen_random_uuid(), 'x' || n || '_' || $2, 'x' || n || '_' || $2, 'not-a-hash', now()
     FROM generate_series(1, $1::int) AS n RETURNING id
   ) INSERT INTO memberships (room_id, user_id) SELECT $3::uuid, id FROM made`,
  [others, tag, rawId(roomId)],
);
await db.query('UPDATE rooms SET member_count = $2 WHERE id = $1', [rawId(roomId), MEMBERS]);

// ——— 1. A message mentioning 20 members: stored, and delivered to all 20 —————————————————————————
const arrivals = new Map<string, number>(); // message id → notifications received
const allArrived = new Map<string, () => void>();
const sockets = mentioned.map((user) => {
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: user.accessToken },
    lazy: false,
  });
  client.subscribe(
    { query: 'subscription { notificationAdded { message { id } } }' },
    {
      next: (result) => {
        const id = (result.data as any)?.notificationAdded?.message?.id as string | undefined;
        if (!id) return;
        const n = (arrivals.get(id) ?? 0) + 1;
        arrivals.set(id, n);
        if (n === MENTIONED) allArrived.get(id)?.();
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return client;
});
await new Promise((r) => setTimeout(r, 1_000));
const body = `${mentioned.map((u) => `@${u.user.username}`).join(' ')} please look`;
const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq } }';
for (let i = 0; i < 20; i++) await gql(SEND, { i: { roomId, body: `warm-up ${i} ${body}` } }, sender.accessToken);
const stored: number[] = [];
const delivered: number[] = [];
for (let i = 0; i < SENDS; i++) {
  const started = performance.now();
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const pending = { resolve: resolveAll };
  const sent = (await gql(SEND, { i: { roomId, body: `${i} ${body}` } }, sender.accessToken)).sendMessage;
  stored.push(performance.now() - started);
  if ((arrivals.get(sent.id) ?? 0) >= MENTIONED) pending.resolve();
  else allArrived.set(sent.id, pending.resolve);
  await all;
  delivered.push(performance.now() - started);
}
for (const client of sockets) await client.dispose();

function pct(list: number[], p: number) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const row = (label: string, list: number[]) =>
  `| ${label} | ${list.length} | ${[50, 95, 99].map((p) => pct(list, p).toFixed(2)).join(' | ')} |`;
console.log(`\n### A message mentioning ${MENTIONED} of ${MEMBERS} members, one at a time (ms)\n`);
console.log('| measure | messages | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: | ---: |');
console.log(row('sendMessage answered (stored)', stored));
console.log(row(`all ${MENTIONED} notificationAdded received`, delivered));

// ——— 2. Web Push messages per second ————————————————————————————————————————————————————————————
// Offline users (the 979), one subscription each, a backlog of notifications queued not yet due.
const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const p256dh = ecdh.getPublicKey().toString('base64url');
const auth = randomBytes(16).toString('base64url');
const { rows: offline } = await db.query<{ id: string }>(
  "SELECT id FROM users WHERE password_hash = 'not-a-hash' ORDER BY id",
);
for (const user of offline) {
  await db.query('INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4, $5)', [
    randomUUID(),
    user.id,
    `${endpointUrl}/push/${user.id}`,
    p256dh,
    auth,
  ]);
}
const senderId = rawId(sender.user.id);
const messageId = (await db.query('SELECT id FROM messages ORDER BY seq DESC LIMIT 1')).rows[0].id as string;
await db.query(
  `WITH made AS (
     INSERT INTO notifications (id, user_id, kind, actor_id, room_id, message_id)
     SELECT gen_random_uuid(), u.id, 'MENTION', $1::uuid, $2::uuid, $3::uuid
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM users WHERE password_hash = 'not-a-hash') u
     CROSS JOIN generate_series(1, CEIL($4::float / $5)::int) AS n
     LIMIT $4 RETURNING id, user_id
   ) INSERT INTO push_deliveries (notification_id, subscription_id, next_attempt_at)
     SELECT made.id, s.id, 'infinity' FROM made JOIN push_subscriptions s ON s.user_id = made.user_id`,
  [senderId, rawId(roomId), messageId, PUSHES, offline.length],
);
pushed = 0;
pushTarget = PUSHES;
const done = new Promise<void>((resolve) => (pushReached = resolve));
const started = performance.now();
await db.query("UPDATE push_deliveries SET next_attempt_at = now() WHERE next_attempt_at = 'infinity'");
await done;
const seconds = (performance.now() - started) / 1000;
console.log(`\n### Web Push, one replica (PUSH_CONCURRENCY=16), endpoint answering 201 at once\n`);
console.log('| pushes | seconds | per second |\n| ---: | ---: | ---: |');
console.log(`| ${PUSHES} | ${seconds.toFixed(2)} | **${Math.round(PUSHES / seconds)}** |`);

await db.end();
await server.stop();
endpoint.close();
closeHttp();
await database.drop();
