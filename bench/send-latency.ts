// Where a live message's latency goes, part by part: one server process (NODE_ENV=production, as
// deployed) on a fresh PostgreSQL database, one sender over HTTP, one graphql-ws subscriber to its
// room, and one plain Redis subscriber to the room's channel beside it. For each message:
//
//   send → stored      the sender's clock when it sent, against the row's created_at (PostgreSQL's
//                      clock_timestamp() as the statement takes the room's next seq)
//   stored → Redis     the statement's end, its commit, the answer to the replica and the publish
//   Redis → subscriber the replica's own delivery: the event read, executed and written
//   send → answer      and send → subscriber, end to end
//
//   npx tsx bench/send-latency.ts [--sends 2000] [--warm 2000] [--rate 100]
//
// Every clock is this machine's (created_at has millisecond precision). --warm sends go back to
// back first; then --sends at --rate a second. Writes bench/results/send-latency-<timestamp>.json.
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { chatClient } from '../server/test/support/chat.js';
import { connect, type Socket } from '../server/test/support/live.js';
import { registerUser } from '../server/test/support/users.js';
import { closeHttp, post } from './http.js';
import { distribution, nowMs as now, sleep } from './live/common.js';
import { SEND_MESSAGE } from './ws-sender.js';

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { arg, clamp, resultFile, startReplica } = await import('./seed-history.js');
const { roomChannel } = await import('../server/src/realtime/channels.js');

const sends = clamp(Number(arg('sends', '2000')), 10, 100_000);
const warm = clamp(Number(arg('warm', '2000')), 0, 100_000);
const rate = clamp(Number(arg('rate', '100')), 1, 1_000);

const db = await createPostgresDatabase();
const replica = await startReplica({ DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL });
const redis = new Redis(process.env.REDIS_URL);
let socket: Socket | undefined;
try {
  const user = await registerUser(replica.url, `lat_${Math.random().toString(36).slice(2, 8)}`);
  const created = await chatClient(replica.url, user.accessToken).createRoom(`latency-${Date.now()}`);
  const roomId = (created.data as { createRoom: { id: string } }).createRoom.id;
  const rawRoomId = Buffer.from(roomId, 'base64').toString().split(':')[1]!;

  // The Redis subscriber sees the room's events in the order they were published, which is seq order.
  const atRedis: number[] = [];
  await redis.subscribe(roomChannel(rawRoomId));
  redis.on('message', () => atRedis.push(now()));
  const atSubscriber = new Map<number, { at: number; stored: number }>();
  socket = connect(`${replica.url.replace(/^http/, 'ws')}/graphql`, user.accessToken);
  socket.client.subscribe<{ messageAdded: { seq: number; createdAt: string } }>(
    { query: 'subscription ($r: ID!) { messageAdded(roomId: $r) { seq createdAt } }', variables: { r: roomId } },
    {
      next: ({ data }) => {
        if (data)
          atSubscriber.set(data.messageAdded.seq, { at: now(), stored: Date.parse(data.messageAdded.createdAt) });
      },
      error: (error) => console.error('subscription ended:', error),
      complete: () => undefined,
    },
  );
  await sleep(500); // the subscription is set up on the replica by then

  const send = async (n: number) => {
    const body = JSON.stringify({ query: SEND_MESSAGE, variables: { i: { roomId, body: `message ${n}` } } });
    const answer = await post(replica.url, '/graphql', body, { authorization: `Bearer ${user.accessToken}` });
    return (JSON.parse(answer.body) as { data: { sendMessage: { seq: number } } }).data.sendMessage.seq;
  };
  for (let n = 0; n < warm; n++) await send(n);
  await sleep(1_000);
  atRedis.length = 0;
  atSubscriber.clear();

  const sent: { seq: number; at: number; answered: number }[] = [];
  const began = performance.now();
  for (let n = 0; n < sends; n++) {
    const wait = began + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const at = now();
    const seq = await send(n);
    sent.push({ seq, at, answered: now() });
  }
  await sleep(1_000);
  if (atRedis.length !== sent.length || atSubscriber.size !== sent.length) {
    throw new Error(`${sent.length} sent, ${atRedis.length} seen on Redis, ${atSubscriber.size} delivered`);
  }

  const parts = {
    'send → stored': sent.map((s) => atSubscriber.get(s.seq)!.stored - s.at),
    'stored → Redis': sent.map((s, k) => atRedis[k]! - atSubscriber.get(s.seq)!.stored),
    'Redis → subscriber': sent.map((s, k) => atSubscriber.get(s.seq)!.at - atRedis[k]!),
    'send → answer': sent.map((s) => s.answered - s.at),
    'send → subscriber': sent.map((s) => atSubscriber.get(s.seq)!.at - s.at),
  };
  const summary = Object.fromEntries(
    Object.entries(parts).map(([name, ms]) => [name, distribution(Float64Array.from(ms))]),
  );
  for (const [name, d] of Object.entries(summary)) {
    console.log(`${name.padEnd(20)} p50 ${d.p50Ms} p90 ${d.p90Ms} p99 ${d.p99Ms} max ${d.maxMs} ms`);
  }
  const file = resultFile('send-latency');
  writeFileSync(file, JSON.stringify({ sends, warm, rate, node: process.version, summary }, null, 2));
  console.log(`wrote ${file}`);
} finally {
  await socket?.dispose();
  redis.disconnect();
  closeHttp();
  await replica.stop();
  await db.drop();
}
