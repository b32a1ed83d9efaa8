// Moderation (issue 16): how long after banMember returns the banned member's live stream of a
// PRIVATE room, on the other replica, gets its last event (the FORBIDDEN that ends it).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx bench/moderation.ts
//   options: --bans 100
//
// It starts two servers as operators do (node server/dist/main.js, compiled first, RATE_LIMITS=off,
// LOG_LEVEL=warn) on a fresh PostgreSQL database (dropped after) and the given Redis. The owner
// works on replica A; the member subscribes to roomEvents on replica B. Each round: the member is
// invited and joins, subscribes, hears a message (the subscription is live), is banned through A,
// and the time from banMember's answer to the stream's last result is taken; then unbanned. The
// figure can be negative: the FORBIDDEN may reach the member before the HTTP answer reaches the owner.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { closeHttp } from './http.js';
import { freshDatabase, gql, startOperatorServer } from './operator-server.js';

const { values: args } = parseArgs({ options: { bans: { type: 'string', default: '100' } } });
const BANS = Number(args.bans);
const admin = process.env.DATABASE_URL;
const redis = process.env.REDIS_URL;
if (!admin || !redis) throw new Error('DATABASE_URL and REDIS_URL are required (two replicas share them)');

const database = await freshDatabase(admin);

const replicas = [
  await startOperatorServer({ DATABASE_URL: database.url, REDIS_URL: redis }),
  await startOperatorServer({ DATABASE_URL: database.url, REDIS_URL: redis }),
];
const [a, b] = replicas.map((replica) => replica.url) as [string, string];

const register = async (username: string) =>
  (
    await gql(a, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }', {
      i: { username, password: 'correct horse battery' },
    })
  ).register as { accessToken: string; user: { id: string } };

const tag = randomBytes(3).toString('hex');
const owner = await register(`owner_${tag}`);
const member = await register(`member_${tag}`);
const roomId = (
  await gql(
    a,
    'mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id } }',
    { i: { name: `moderation-${tag}`, kind: 'PRIVATE' } },
    owner.accessToken,
  )
).createRoom.id as string;
const as = (url: string, token: string) => (query: string, i: Record<string, unknown>) => gql(url, query, { i }, token);
const byOwner = as(a, owner.accessToken);
const byMember = as(b, member.accessToken);

const socket = createClient({
  url: `${b.replace(/^http/, 'ws')}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { authToken: member.accessToken },
  retryAttempts: 0,
});

const latencies: number[] = [];
for (let round = 0; round < BANS; round++) {
  await byOwner('mutation ($i: InviteToRoomInput!) { inviteToRoom(input: $i) { id } }', {
    roomId,
    username: `member_${tag}`,
  });
  await byMember('mutation ($i: JoinRoomInput!) { joinRoom(input: $i) { id } }', { roomId });
  let heard = false;
  let lastAt = 0;
  let ended: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  socket.subscribe(
    { query: 'subscription ($r: ID!) { roomEvents(roomId: $r) { __typename } }', variables: { r: roomId } },
    {
      next: () => {
        heard = true;
        lastAt = performance.now();
      },
      error: () => {
        lastAt = performance.now();
        ended();
      },
      complete: () => ended(),
    },
  );
  while (!heard) {
    await byOwner('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', { roomId, body: 'live?' });
    await new Promise((r) => setTimeout(r, 20));
  }
  await byOwner('mutation ($i: BanMemberInput!) { banMember(input: $i) { id } }', {
    roomId,
    userId: member.user.id,
  });
  const returned = performance.now();
  await done;
  latencies.push(lastAt - returned);
  await byOwner('mutation ($i: ModerateMemberInput!) { unbanMember(input: $i) { id } }', {
    roomId,
    userId: member.user.id,
  });
}

const sorted = [...latencies].sort((x, y) => x - y);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
console.log(`\n### From banMember returning (replica A) to the banned member's last event (replica B), ms\n`);
console.log('| bans | p50 | p99 | max |\n| ---: | ---: | ---: | ---: |');
console.log(`| ${sorted.length} | ${pct(50).toFixed(2)} | ${pct(99).toFixed(2)} | ${sorted.at(-1)!.toFixed(2)} |`);

await socket.dispose();
await Promise.all(replicas.map((replica) => replica.stop()));
closeHttp();
await database.drop();
