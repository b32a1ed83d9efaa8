// The replica CPU of one sendMessage at a time, from the moment the server starts: how much a send
// costs while the JIT warms up, once it has, and paced (the process idle between sends) instead of
// back to back. One server process (NODE_ENV=production, as deployed) on a fresh PostgreSQL
// database; one sender on one kept-alive HTTP connection or one graphql-ws socket.
//
//   npx tsx bench/send-cpu.ts [--over http|ws] [--windows 12] [--window 500] [--rate 0]
//        [--then-rate 50] [--then 600]
//
// --windows × --window sends back to back (or at --rate a second), reporting the server's CPU per
// send (user + system, /proc/<pid>/stat) for each window; then --then sends at --then-rate a second
// (0: none), now warm. Writes bench/results/send-cpu-<timestamp>.json.
import { request, Agent } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const clamp = (x: number, lo: number, hi: number) => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo);
const over = arg('over', 'http');
if (over !== 'http' && over !== 'ws') throw new Error('--over is http or ws');
const windows = clamp(Number(arg('windows', '12')), 1, 100);
const perWindow = clamp(Number(arg('window', '500')), 1, 100_000);
const rate = clamp(Number(arg('rate', '0')), 0, 10_000);
const thenRate = clamp(Number(arg('then-rate', '50')), 0, 10_000);
const thenSends = clamp(Number(arg('then', '600')), 0, 100_000);

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { baseEnv, repoRoot } = await import('../server/test/support/server.js');
const { registerUser } = await import('../server/test/support/users.js');
const { chatClient } = await import('../server/test/support/chat.js');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const db = await createPostgresDatabase();
const port = 20_000 + Math.floor(Math.random() * 20_000);
const server = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
  cwd: repoRoot,
  env: {
    PATH: process.env.PATH,
    ...baseEnv,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    PORT: String(port),
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
process.on('exit', () => server.kill('SIGKILL'));
const url = `http://127.0.0.1:${port}`;
for (let tries = 0; ; tries++) {
  if (server.exitCode !== null || tries > 600) throw new Error('the server did not start');
  if (
    await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  await sleep(100);
}

/** The server's CPU so far, in ms (user + system). */
function serverCpuMs(): number {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

const sender = await registerUser(url, `cpu_${Math.random().toString(36).slice(2, 8)}`);
const created = await chatClient(url, sender.accessToken).createRoom(`cpu-${Math.random().toString(36).slice(2, 8)}`);
const roomId = (created.data as { createRoom: { id: string } }).createRoom.id;
const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { seq } }';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function overHttp(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${sender.accessToken}` },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let socket: WebSocket | undefined;
const waiting = new Map<string, (frame: string) => void>();
let nextId = 0;
if (over === 'ws') {
  socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const ws = socket;
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: sender.accessToken } })),
    );
    ws.once('message', () => resolve());
  });
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { id?: string; type: string };
    if (frame.type === 'next' && frame.id) waiting.get(frame.id)?.(String(raw));
  });
}

async function send(n: number): Promise<void> {
  const payload = { query: SEND, variables: { i: { roomId, body: `message ${n}` } } };
  const answer =
    over === 'http'
      ? await overHttp(JSON.stringify(payload))
      : await new Promise<string>((resolve) => {
          const id = String(++nextId);
          waiting.set(id, (frame) => {
            waiting.delete(id);
            resolve(frame);
          });
          socket!.send(JSON.stringify({ id, type: 'subscribe', payload }));
        });
  if (!answer.includes('"seq"')) throw new Error(`sendMessage failed: ${answer.slice(0, 200)}`);
}

/** `count` sends, back to back or `perSecond` a second; the server's CPU per send in ms. */
async function measure(count: number, perSecond: number): Promise<number> {
  const before = serverCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (perSecond > 0) await sleep(Math.max(0, t0 + (i * 1000) / perSecond - performance.now()));
    await send(i);
  }
  return (serverCpuMs() - before) / count;
}

const curve: number[] = [];
for (let w = 0; w < windows; w++) {
  curve.push(Number((await measure(perWindow, rate)).toFixed(3)));
  console.log(`sends ${w * perWindow + 1}–${(w + 1) * perWindow}: ${curve.at(-1)} ms of CPU per send`);
}
const warmPaced = thenSends && thenRate ? Number((await measure(thenSends, thenRate)).toFixed(3)) : null;
if (warmPaced !== null) console.log(`then ${thenSends} at ${thenRate}/s: ${warmPaced} ms of CPU per send`);

const results = fileURLToPath(new URL('results/', import.meta.url));
mkdirSync(results, { recursive: true });
const file = `${results}send-cpu-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  JSON.stringify(
    { over, windows, perWindow, rate, curve, thenRate, thenSends, warmPaced, node: process.version },
    null,
    2,
  ),
);
console.log(`wrote ${file}`);
socket?.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await db.drop();
process.exit(0);
