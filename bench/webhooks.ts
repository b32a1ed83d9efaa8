// Webhooks (issue 18): how many deliveries per second one replica sends to a fast local receiver,
// and what 3 webhooks add to sendMessage's latency, in one sitting.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx bench/webhooks.ts
//   options: --sends 1000 (per room) --backlog 3000 (deliveries queued per throughput run)
//
// It starts the server as operators do (node server/dist/main.js, compiled first, RATE_LIMITS=off,
// LOG_LEVEL=warn) on a fresh PostgreSQL database (dropped after) and a receiver on loopback that
// answers 204 at once.
//
// 1. sendMessage latency: one user sends to a room without webhooks and to a room with 3
//    (MESSAGE_CREATED), alternately, one request at a time, so both see the same machine; the
//    worker delivers the second room's events meanwhile, as it would in service.
// 2. Deliveries per second: a backlog of pending rows (copies of a real delivery) is made due in
//    one statement, and the time until the receiver has them all is measured; for 1 webhook
//    (strictly one at a time: seq order) and for 16 webhooks (WEBHOOK_CONCURRENCY=16 at once).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { closeHttp } from './http.js';
import { freshDatabase, gql as request, startOperatorServer } from './operator-server.js';

const { values: args } = parseArgs({
  options: { sends: { type: 'string', default: '1000' }, backlog: { type: 'string', default: '3000' } },
});
const SENDS = Number(args.sends);
const BACKLOG = Number(args.backlog);
const admin = process.env.DATABASE_URL;
if (!admin) throw new Error('DATABASE_URL is required (the bench reads and writes the outbox directly)');

const database = await freshDatabase(admin);

let received = 0;
let target = Infinity;
let reached: (() => void) | undefined;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(204).end();
    if (++received >= target) reached?.();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const server = await startOperatorServer({
  DATABASE_URL: database.url,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOKS_PER_ROOM: '16',
});
const url = server.url;
const gql = (query: string, variables: Record<string, unknown>, token?: string) =>
  request(url, query, variables, token);

const { register } = await gql('mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }', {
  i: { username: `bench_${randomBytes(3).toString('hex')}`, password: 'correct horse battery' },
});
const token = register.accessToken as string;
const createRoom = async (room: string) =>
  (
    await gql(
      'mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id } }',
      { i: { name: room, kind: 'PUBLIC' } },
      token,
    )
  ).createRoom.id as string;
const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq } }';
const createWebhook = async (roomId: string, path: string) =>
  gql(
    'mutation ($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }',
    { i: { roomId, url: `${receiverUrl}${path}`, events: ['MESSAGE_CREATED'] } },
    token,
  );

// ——— 1. sendMessage with 3 webhooks versus none (skipped with --sends 0) ——————————————————————————
if (SENDS > 0) await sendLatency();
async function sendLatency() {
  const plain = await createRoom('no-webhooks');
  const hooked = await createRoom('three-webhooks');
  for (const i of [1, 2, 3]) await createWebhook(hooked, `/send/${i}`);
  const times: Record<'plain' | 'hooked', number[]> = { plain: [], hooked: [] };
  for (let i = 0; i < 100; i++) await gql(SEND, { i: { roomId: i % 2 ? plain : hooked, body: `warm-up ${i}` } }, token);
  for (let i = 0; i < SENDS * 2; i++) {
    const which = i % 2 ? 'plain' : 'hooked';
    const started = performance.now();
    await gql(SEND, { i: { roomId: which === 'plain' ? plain : hooked, body: `message ${i}` } }, token);
    times[which].push(performance.now() - started);
  }
  function pct(list: number[], p: number) {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  }
  function row(label: string, list: number[]) {
    return `| ${label} | ${list.length} | ${[50, 95, 99].map((p) => pct(list, p).toFixed(2)).join(' | ')} |`;
  }
  console.log(`\n### sendMessage, one at a time, alternating rooms (ms)\n`);
  console.log('| room | sends | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: | ---: |');
  console.log(row('no webhooks', times.plain));
  console.log(row('3 webhooks', times.hooked));
}

// Let the worker finish the room's deliveries before the throughput runs.
const db = new pg.Client({ connectionString: database.url });
await db.connect();
for (;;) {
  const [{ n }] = (await db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'")).rows;
  if (n === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}

// ——— 2. Deliveries per second —————————————————————————————————————————————————————————————————
async function throughput(webhooks: number): Promise<string> {
  const roomId = await createRoom(`throughput-${webhooks}`);
  for (let i = 0; i < webhooks; i++) await createWebhook(roomId, `/load/${i}`);
  await gql(SEND, { i: { roomId, body: 'the payload every queued copy carries' } }, token);
  const ids = (await db.query('SELECT id FROM webhooks WHERE room_id = $1', [rawId(roomId)])).rows.map((r) => r.id);
  // Wait for the real deliveries, then queue the backlog, not due yet.
  for (;;) {
    const [{ n }] = (await db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'")).rows;
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const perHook = Math.ceil(BACKLOG / webhooks);
  await db.query(
    `WITH hooks AS (SELECT id FROM webhooks WHERE id = ANY($1::uuid[]))
     INSERT INTO webhook_deliveries (id, webhook_id, seq, event, payload, next_attempt_at)
     SELECT gen_random_uuid(), hooks.id, 1 + n, 'MESSAGE_CREATED',
            (SELECT payload FROM webhook_deliveries WHERE webhook_id = hooks.id AND seq = 1),
            'infinity'
     FROM hooks CROSS JOIN generate_series(1, $2::int) AS n`,
    [ids, perHook],
  );
  await db.query('UPDATE webhooks SET last_seq = $2 + 1 WHERE id = ANY($1::uuid[])', [ids, perHook]);
  const total = perHook * webhooks;
  received = 0;
  target = total;
  const done = new Promise<void>((resolve) => (reached = resolve));
  const started = performance.now();
  await db.query(
    "UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = ANY($1::uuid[]) AND status = 'PENDING'",
    [ids],
  );
  await done;
  const seconds = (performance.now() - started) / 1000;
  target = Infinity;
  return `| ${webhooks} | ${total} | ${seconds.toFixed(2)} | **${Math.round(total / seconds)}** |`;
}
const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

console.log(`\n### Deliveries per second, one replica, receiver answering 204 at once\n`);
console.log('| webhooks | deliveries | seconds | per second |\n| ---: | ---: | ---: | ---: |');
console.log(await throughput(1));
console.log(await throughput(16));

await db.end();
await server.stop();
receiver.close();
closeHttp();
await database.drop();
