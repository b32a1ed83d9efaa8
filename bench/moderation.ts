// Moderation (issue 16): how long after banMember returns the banned member's live stream of a
// PRIVATE room, on the other replica, gets its last event (the FORBIDDEN that ends it).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx bench/moderation.ts
//   options: --bans 100
//
// It starts two servers as operators do (node --import tsx server/src/main.ts, RATE_LIMITS=off,
// LOG_LEVEL=warn) on a fresh PostgreSQL database (dropped after) and the given Redis. The owner
// works on replica A; the member subscribes to roomEvents on replica B. Each round: the member is
// invited and joins, subscribes, hears a message (the subscription is live), is banned through A,
// and the time from banMember's answer to the stream's last result is taken; then unbanned. The
// figure can be negative: the FORBIDDEN may reach the member before the HTTP answer reaches the owner.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { closeHttp, post } from './http.js';

const { values: args } = parseArgs({ options: { bans: { type: 'string', default: '100' } } });
const BANS = Number(args.bans);
const admin = process.env.DATABASE_URL;
const redis = process.env.REDIS_URL;
if (!admin || !redis) throw new Error('DATABASE_URL and REDIS_URL are required (two replicas share them)');

const name = `chat_bench_${randomBytes(4).toString('hex')}`;
const adminClient = new pg.Client({ connectionString: admin });
await adminClient.connect();
await adminClient.query(`CREATE DATABASE ${name}`);
const dbUrl = new URL(admin);
dbUrl.pathname = `/${name}`;

const servers: ChildProcess[] = [];
process.on('exit', () => servers.forEach((s) => s.kill('SIGKILL')));
function startReplica(): Promise<string> {
  const server = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: redis,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMITS: 'off',
      WEB_APP: 'false',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(server);
  return new Promise<string>((resolve) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+).*"server listening"/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
  });
}
const a = await startReplica();
const b = await startReplica();

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await post(url, '/graphql', JSON.stringify({ query, variables }), {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  const body = JSON.parse(response.body) as { data?: Record<string, any>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}
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
for (const server of servers) server.kill('SIGTERM');
await Promise.all(servers.map((s) => new Promise((r) => s.once('exit', r))));
closeHttp();
await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await adminClient.end();
