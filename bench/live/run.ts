// Live delivery (issue 5): fan-out latency, loss and duplicates across two replicas, and resident
// memory per idle subscribed WebSocket, for our server and two peers written for the benchmark
// (bench/peers/raw.ts: ws + ioredis, the floor; bench/peers/socketio.ts: Socket.IO + Redis adapter).
//
//   npx tsx bench/live/run.ts [--target ours|raw|socketio|all] [--rates 100,250,500,1000]
//        [--seconds 10] [--warmup 20] [--warmup-rate 200] [--warmup-sends 6000] [--refine 4]
//        [--max-rate 4000] [--workers 2]
//        [--memory-sockets 5000] [--no-memory] [--no-latency] [--profile <rate>]
//        [--idle-load 1.5] [--max-wait-minutes 20] [--busy-cores 0.3] [--busy-retries 3]
//        [--baseline-rate 100] [--heap-profile] [--redis one|cluster|both] [--tracing <endpoint>]
//        [--selection plain|reactions|client] [--send-over http|ws] [--node-options '<flags>']
//
// Topology per target: two server processes on one Redis (ours: also one PostgreSQL database,
// created fresh for the run and dropped at the end), 20 rooms × 50 subscribers = 1,000 WebSockets,
// half on each replica, held by --workers child processes (bench/live/subscriber.ts). One sender
// per room posts at (rate / 20) per second over HTTP, alternating replicas; every body is the send
// time (performance.timeOrigin + performance.now() of this process; the workers use the same
// clock), so each subscriber measures receipt − send itself. Each subscriber must receive every
// seq of its room sent during a step exactly once: lost = expected − received, duplicates = extra
// copies. After the fixed rates, --refine steps bisect for the highest rate with p99 < 100 ms.
// Before the subscribers connect, a sends-only step at --baseline-rate (0: none) measures what the
// sends cost the replicas without any fan-out. Nothing is measured cold: --warmup-sends sends (each
// room's sender one at a time, as fast as answered) go before the sends-only step, and a step of
// --warmup seconds at --warmup-rate msgs/s before the measured ones, for every target alike. A step
// during which processes not started here used more than --busy-cores is run again (up to
// --busy-retries times) and the quietest run is kept; the CPU of every party is in the results.
// Memory: one server process, RSS (VmRSS) before and after 5,000 sockets with one subscription
// each, after a settle period and a forced GC (V8 inspector on loopback). --profile <rate>: one
// step with both replicas sampled by the V8 profiler through the inspector (profiles in
// bench/results/live-prof-<timestamp>/, summarised by bench/live/profile-summary.ts).
// --heap-profile: the memory phase also records a sampling heap profile of what the 5,000 sockets
// keep alive (bench/results/live-heap-<target>-<timestamp>.heapprofile; the figures of such a run
// include the profiler's own overhead).
// --selection reactions: our subscribers also select the message's reactions with viewerReacted
// (issue 14), whose answer depends on the viewer. --selection client: they select what the web app
// does for a new message (author avatar, attachments, reply count, reactions, mentions), and each
// send carries a clientMessageId, as the web app's do.
// --send-over ws (ours only): each sender sends its messages as graphql-ws operations on a socket
// it keeps open to each replica, as the SDK and the web app do, instead of over HTTP.
//
// --redis (ours only): one Redis (REDIS_URL, the default), a 3-master Redis Cluster started here on
// free ports (support/redis-cluster.ts; sharded pub/sub), or both, one after the other in the same
// sitting (results under "ours" and "ours (cluster)"). The "redis" CPU probe is the Redis server(s)
// in use (their INFO process_id), and each step reports Redis CPU ms per 1,000 deliveries.
// --tracing <endpoint>: the replicas send OpenTelemetry spans to that OTLP/HTTP endpoint; `sink`
// starts one here that only counts the bytes it is sent (the cost of tracing on, collector aside).
//
// --node-options: NODE_OPTIONS for every server process of the latency run (--perf-basic-prof, for
// `perf record -p <pid>` of a replica; the pids are in the log).
//
// Everything runs on 127.0.0.1; every loop is bounded in count and time; every process started
// here is stopped and the database dropped at the end. Writes bench/results/live-<timestamp>.json.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { closeHttp, HTTP_TIMEOUT_MS, post } from '../http.js';
import { inspect, startCpuProfile } from '../inspector.js';
import { SEND_MESSAGE, SocketSender } from '../ws-sender.js';
import {
  cpuSeconds,
  distribution,
  type Distribution,
  nowMs,
  round,
  rssKiB,
  sleep,
  type SubscriberSpec,
  type Target,
  TARGETS,
  type WorkerCommand,
  type WorkerReply,
} from './common.js';

// ---------------------------------------------------------------------------------------------
// Settings

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : lo));

const ROOMS = 20;
const PER_ROOM = 50;
const rates = arg('rates', '100,250,500,1000')
  .split(',')
  .map((r) => clamp(Number(r), 1, 20_000))
  .slice(0, 12);
const seconds = clamp(Number(arg('seconds', '10')), 1, 120);
const warmupSeconds = clamp(Number(arg('warmup', '20')), 0, 120);
const warmupRate = clamp(Number(arg('warmup-rate', '200')), 1, 20_000);
const warmupSends = clamp(Number(arg('warmup-sends', '6000')), 0, 100_000);
const refineSteps = clamp(Number(arg('refine', '4')), 0, 8);
const maxRate = clamp(Number(arg('max-rate', '4000')), 1, 20_000);
const workerCount = clamp(Number(arg('workers', '2')), 1, 8);
const memorySockets = clamp(Number(arg('memory-sockets', '5000')), 1, 20_000);
const profileRate = flag('profile') ? clamp(Number(arg('profile', '250')), 1, 20_000) : 0;
const idleLoad = clamp(Number(arg('idle-load', '1.5')), 0.1, 64);
const maxWaitMinutes = clamp(Number(arg('max-wait-minutes', '20')), 0, 60);
const heapProfile = flag('heap-profile');
const baselineRate = clamp(Number(arg('baseline-rate', '100')), 0, 20_000);
const busyCores = clamp(Number(arg('busy-cores', '0.3')), 0, 64);
const busyRetries = clamp(Number(arg('busy-retries', '3')), 0, 10);
const redisModeArg = arg('redis', 'one');
if (!['one', 'cluster', 'both'].includes(redisModeArg)) throw new Error('--redis: one, cluster or both');
const redisModes = (redisModeArg === 'both' ? ['one', 'cluster'] : [redisModeArg]) as ('one' | 'cluster')[];
let tracingEndpoint = arg('tracing', '');
const otlpSink = { requests: 0, bytes: 0 };
if (tracingEndpoint === 'sink') {
  const { createServer: createHttpServer } = await import('node:http');
  const sink = createHttpServer((request, response) => {
    otlpSink.requests++;
    request.on('data', (chunk: Buffer) => (otlpSink.bytes += chunk.length));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sink.unref();
  tracingEndpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
}
const targetArg = arg('target', 'all');
const selection = arg('selection', 'plain');
if (!['plain', 'reactions', 'client'].includes(selection)) throw new Error('--selection is plain, reactions or client');
const sendOver = arg('send-over', 'http');
if (sendOver !== 'http' && sendOver !== 'ws') throw new Error('--send-over is http or ws');
const nodeOptions = arg('node-options', '');
const targets: Target[] = targetArg === 'all' ? [...TARGETS] : [targetArg as Target];
if (!targets.every((t) => TARGETS.includes(t))) throw new Error(`--target: one of ${TARGETS.join(', ')}, all`);

const ADMIN_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
// The test helpers read these when imported.
process.env.DATABASE_URL = ADMIN_URL;
process.env.REDIS_URL = REDIS_URL;
const { createPostgresDatabase } = await import('../../server/test/support/databases.js');
const { spawnServer } = await import('../../server/test/support/server.js');
const { registerUser } = await import('../../server/test/support/users.js');
const { chatClient } = await import('../../server/test/support/chat.js');
const { startRedisCluster } = await import('../../server/test/support/redis-cluster.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runId = Math.random().toString(36).slice(2, 8);
/** A step passes when p99 < this, nothing is lost or duplicated, and every send went out. */
const P99_LIMIT_MS = 100;
/** Sends of one room in flight at once; more are skipped (and reported): the target is not keeping up. */
const MAX_IN_FLIGHT_PER_ROOM = 32;
const DRAIN_IDLE_MS = 5_000;
const DRAIN_MAX_MS = 90_000;

const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);

// ---------------------------------------------------------------------------------------------
// Processes: everything started here is tracked and stopped at the end, by pid.

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

async function cleanupAll() {
  await Promise.all([...children].map((child) => stopChild(child)));
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: Error) => log('cleanup failed:', error.message));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything started here`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Replica {
  url: string;
  pid: number;
  child: ChildProcess;
}

/** What the replicas are pointed at (--redis), and the pids of the Redis servers that serve them. */
let redisEnv: Record<string, string> = {};
let redisPids: number[] = [];

/** The pid of the Redis server on `port` (127.0.0.1), from its INFO. */
function redisPid(port: number): number {
  const info = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'info', 'server']).toString();
  return Number(/process_id:(\d+)/.exec(info)?.[1]);
}

async function startOurs(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<Replica> {
  const port = await freePort();
  const server = spawnServer({
    // As deployed (Dockerfile, docker-compose.yml): graphql-js, for one, checks more outside production.
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    PORT: String(port),
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    MAX_SOCKETS_PER_USER: '10000',
    ACCESS_TOKEN_TTL: '6h',
    ...(tracingEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: tracingEndpoint } : {}),
    ...redisEnv,
    ...extraEnv,
  });
  track(server.child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let exited = false;
  void server.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`server exited before ready:\n${server.output()}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server not ready in 120 s:\n${server.output()}`);
    await sleep(100);
  }
  return { url, pid: server.child.pid!, child: server.child };
}

async function startPeer(target: 'raw' | 'socketio', extraEnv: Record<string, string> = {}): Promise<Replica> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', `bench/peers/${target}.ts`], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: '0',
        REDIS_URL,
        PREFIX: `bench-live-${target}-${runId}`,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${target} peer not listening in 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${target} peer exited with ${code}:\n${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, child };
}

// ---------------------------------------------------------------------------------------------
// Subscriber workers

class Worker {
  readonly child: ChildProcess;
  private waiting: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor() {
    this.child = track(
      fork(fileURLToPath(new URL('./subscriber.ts', import.meta.url)), [], {
        cwd: root,
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, BENCH_LIVE_SELECTION: selection },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    this.child.on('message', (reply: WorkerReply) => {
      const waiting = this.waiting;
      this.waiting = null;
      if (!waiting) return;
      if (reply.type === 'error') waiting.reject(new Error(`worker: ${reply.message}`));
      else waiting.resolve(reply);
    });
    this.child.once('exit', (code) => this.waiting?.reject(new Error(`worker exited with ${code}`)));
  }

  get pid() {
    return this.child.pid!;
  }

  /** One command at a time; resolves with its reply. */
  request<T extends WorkerReply['type']>(
    command: WorkerCommand,
    timeoutMs = 120_000,
  ): Promise<Extract<WorkerReply, { type: T }>> {
    const run = () =>
      new Promise<WorkerReply>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker: ${command.cmd} timed out`)), timeoutMs);
        this.waiting = {
          resolve: (r) => (clearTimeout(timer), resolve(r)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        };
        this.child.send(command);
      });
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result as Promise<Extract<WorkerReply, { type: T }>>;
  }

  async stop() {
    await this.request<'closed'>({ cmd: 'close' }, 30_000).catch(() => undefined);
    this.child.disconnect();
    await stopChild(this.child, 5_000);
  }
}

async function openSubscribers(target: Target, specs: SubscriberSpec[], workers: Worker[]) {
  const t0 = performance.now();
  const replies = await Promise.all(
    workers.map((worker, w) =>
      worker.request<'opened'>(
        {
          cmd: 'open',
          target,
          subscribers: specs.filter((_, i) => i % workers.length === w),
          concurrency: 25,
          timeoutMs: 60_000,
        },
        600_000,
      ),
    ),
  );
  const ok = replies.reduce((n, r) => n + r.ok, 0);
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  log(`${target}: opened ${ok} subscribers (${failed} failed) in ${Math.round(performance.now() - t0)} ms`);
  if (failed) throw new Error(`${failed} subscribers failed: ${replies.flatMap((r) => r.errors).join('; ')}`);
}

// ---------------------------------------------------------------------------------------------
// Sending

/** What a target needs for the load: its replicas, rooms, subscribers, and how to send to a room. */
interface Plan {
  target: Target;
  replicas: Replica[];
  roomKeys: string[];
  subscribers: SubscriberSpec[];
  /** Sends one message with `body` to room `room` through `replica`; resolves with its seq. */
  send(room: number, replica: Replica, body: string): Promise<number>;
}

async function planOurs(replicas: Replica[], tag: string): Promise<Plan> {
  const [a] = replicas as [Replica, Replica];
  const t0 = performance.now();
  // Senders: one per room, the room's creator (a member). Subscribers: 50 users, each a member of
  // every room, each with 20 sockets (one per room) on one replica.
  const pool = async <T>(n: number, concurrency: number, make: (i: number) => Promise<T>): Promise<T[]> => {
    const out: T[] = new Array(n);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          out[i] = await make(i);
        }
      }),
    );
    return out;
  };
  const senders = await pool(ROOMS, 4, (i) => registerUser(a.url, `live_${tag}_s${i}_${runId}`));
  const users = await pool(PER_ROOM, 4, (i) => registerUser(a.url, `live_${tag}_u${i}_${runId}`));
  const roomKeys = await pool(ROOMS, 4, async (r) => {
    const created = await chatClient(a.url, senders[r]!.accessToken).createRoom(`live-${tag}-${runId}-${r}`, 'PUBLIC');
    if (created.errors) throw new Error(`createRoom: ${JSON.stringify(created.errors)}`);
    return String((created.data as { createRoom: { id: string } }).createRoom.id);
  });
  await pool(PER_ROOM * ROOMS, 8, async (k) => {
    const user = users[k % PER_ROOM]!;
    const joined = await chatClient(replicas[k % replicas.length]!.url, user.accessToken).joinRoom({
      roomId: roomKeys[Math.floor(k / PER_ROOM)]!,
    });
    if (joined.errors) throw new Error(`joinRoom: ${JSON.stringify(joined.errors)}`);
  });
  log(
    `ours: ${ROOMS} senders, ${PER_ROOM} users, ${ROOMS} rooms, memberships in ${Math.round(performance.now() - t0)} ms`,
  );
  const subscribers: SubscriberSpec[] = [];
  for (let u = 0; u < PER_ROOM; u++) {
    for (let r = 0; r < ROOMS; r++) {
      subscribers.push({
        index: subscribers.length,
        room: r,
        roomKey: roomKeys[r]!,
        url: replicas[u % replicas.length]!.url,
        token: users[u]!.accessToken,
      });
    }
  }
  // --send-over ws: each sender keeps a graphql-ws socket per replica and sends on it.
  const sockets = new Map<string, Promise<SocketSender>>();
  const socketOf = (room: number, replica: Replica) => {
    const key = `${room} ${replica.url}`;
    let socket = sockets.get(key);
    if (!socket) {
      sockets.set(key, (socket = SocketSender.open(replica.url, senders[room]!.accessToken)));
      const opened = socket;
      cleanups.push(() =>
        opened.then(
          (sender) => sender.close(),
          () => undefined,
        ),
      );
    }
    return socket;
  };
  // With the web app's selection, sends are the web app's too: each with its clientMessageId.
  let sends = 0;
  const input = (room: number, body: string) => ({
    roomId: roomKeys[room],
    body,
    ...(selection === 'client' ? { clientMessageId: `${runId}-${tag}-${sends++}` } : {}),
  });
  return {
    target: 'ours',
    replicas,
    roomKeys,
    subscribers,
    async send(room, replica, body) {
      if (sendOver === 'ws') {
        const data = await (await socketOf(room, replica)).run(SEND_MESSAGE, { i: input(room, body) });
        const seq = (data as { sendMessage?: { seq: number } }).sendMessage?.seq;
        if (typeof seq !== 'number') throw new Error(`sendMessage over ws: ${JSON.stringify(data).slice(0, 200)}`);
        return seq;
      }
      const res = await post(
        replica.url,
        '/graphql',
        JSON.stringify({ query: SEND_MESSAGE, variables: { i: input(room, body) } }),
        { authorization: `Bearer ${senders[room]!.accessToken}` },
      );
      const parsed = JSON.parse(res.body) as { data?: { sendMessage?: { seq: number } }; errors?: unknown };
      const seq = parsed.data?.sendMessage?.seq;
      if (res.status !== 200 || typeof seq !== 'number') {
        throw new Error(`sendMessage ${res.status}: ${res.body.slice(0, 200)}`);
      }
      return seq;
    },
  };
}

function planPeer(target: 'raw' | 'socketio', replicas: Replica[]): Plan {
  const roomKeys = Array.from({ length: ROOMS }, (_, r) => `room-${r}`);
  const subscribers: SubscriberSpec[] = [];
  for (let u = 0; u < PER_ROOM; u++) {
    for (let r = 0; r < ROOMS; r++) {
      subscribers.push({
        index: subscribers.length,
        room: r,
        roomKey: roomKeys[r]!,
        url: replicas[u % replicas.length]!.url,
      });
    }
  }
  const nextSeq = new Array<number>(ROOMS).fill(0);
  return {
    target,
    replicas,
    roomKeys,
    subscribers,
    async send(room, replica, body) {
      const seq = ++nextSeq[room]!;
      const res = await post(replica.url, '/send', JSON.stringify({ room: roomKeys[room], seq, body }));
      if (res.status !== 204) throw new Error(`send ${res.status}`);
      return seq;
    },
  };
}

/** pg_stat_database counters of a database (ours), or null. */
async function databaseStats(databaseUrl: string | null): Promise<Record<string, number> | null> {
  if (!databaseUrl) return null;
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = $1',
      [new URL(databaseUrl).pathname.slice(1)],
    );
    return rows[0] ? Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)])) : null;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting during a step

interface CpuProbe {
  name: string;
  pids: () => number[];
  /** Count only this part of the CPU time (a breakdown, left out of the totals). */
  part?: 'user' | 'system';
}

function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function machineTicks(): { busy: number; irq: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // user nice system idle iowait irq softirq steal
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = values[3]! + values[4]!;
  return { busy: total - idle, irq: values[5]! + values[6]!, total };
}

function cpuSnapshot(probes: CpuProbe[]) {
  const perProbe: Record<string, Map<number, number>> = {};
  for (const probe of probes) {
    const perPid = new Map<number, number>();
    for (const pid of probe.pids()) {
      const s = cpuSeconds(pid, probe.part);
      if (Number.isFinite(s)) perPid.set(pid, s);
    }
    perProbe[probe.name] = perPid;
  }
  const self = process.cpuUsage();
  perProbe['load generator (this process)'] = new Map([[process.pid, (self.user + self.system) / 1e6]]);
  return { at: performance.now(), perProbe, machine: machineTicks() };
}

/**
 * CPU used between two snapshots, in cores (1.0 = one core busy the whole time), counting the
 * processes present in both (PostgreSQL backends come and go).
 */
function cpuBetween(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>) {
  const wall = (b.at - a.at) / 1000;
  const cores: Record<string, number> = {};
  let known = 0;
  for (const [name, after] of Object.entries(b.perProbe)) {
    let used = 0;
    for (const [pid, seconds] of after) {
      const before = a.perProbe[name]?.get(pid);
      if (before !== undefined) used += (seconds - before) / wall;
    }
    // Three digits: a lightly loaded party (Redis) uses a few thousandths of a core.
    cores[name] = round(used, 3);
    if (!name.endsWith(' (kernel)')) known += used;
  }
  const machineBusy = (b.machine.busy - a.machine.busy) / 100 / wall;
  // Interrupt and softirq time (loopback TCP is processed there) is not charged to any process.
  const irq = (b.machine.irq - a.machine.irq) / 100 / wall;
  cores['kernel irq + softirq'] = round(irq);
  cores['machine, all processes'] = round(machineBusy);
  cores['everything else'] = round(Math.max(0, machineBusy - irq - known));
  return cores;
}

// ---------------------------------------------------------------------------------------------
// Steps

interface StepResult {
  target: Target;
  label: string;
  rate: number;
  seconds: number;
  sent: number;
  sendErrors: number;
  skipped: number;
  sendErrorSamples: string[];
  sendsPerSecond: number;
  /** Send → HTTP response, at the load generator. */
  sendResponse: Distribution;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  /** Send → receipt at the subscriber. */
  latency: Distribution;
  /** Message createdAt → receipt (ours only; createdAt has millisecond precision). */
  sinceStored: Distribution | null;
  /** Deliveries of the step ÷ (last receipt − step start). */
  deliveriesPerSecond: number;
  drainMs: number;
  cpuCores: Record<string, number>;
  /** CPU time of the Redis server(s) per 1,000 deliveries to sockets, and per 1,000 sent messages. */
  redisCpuMsPer1000Deliveries: number;
  redisCpuMsPer1000Sends: number;
  socketProblems: string[];
  pass: boolean;
  /** Runs of this step (more than one when other processes were busy; the quietest is kept). */
  attempts?: number;
}

async function totalCount(workers: Worker[]) {
  const counts = await Promise.all(workers.map((w) => w.request<'count'>({ cmd: 'count' })));
  return {
    deliveries: counts.reduce((n, c) => n + c.deliveries, 0),
    subscribersWithAny: counts.reduce((n, c) => n + c.subscribersWithAny, 0),
    problems: counts.reduce((n, c) => n + c.problems, 0),
  };
}

/** Sends one message per room until every subscriber has received one: all subscriptions are live. */
async function awaitLive(plan: Plan, workers: Worker[], subscriberCount: number): Promise<number> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    await Promise.all(workers.map((w) => w.request({ cmd: 'begin' })));
    await Promise.all(
      plan.roomKeys.map((_, r) =>
        plan.send(r, plan.replicas[(r + attempt) % plan.replicas.length]!, String(nowMs())).catch(() => 0),
      ),
    );
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      if ((await totalCount(workers)).subscribersWithAny >= subscriberCount) return attempt;
      await sleep(100);
    }
  }
  const counted = await totalCount(workers);
  throw new Error(`only ${counted.subscribersWithAny}/${subscriberCount} subscribers are live after 20 probes`);
}

async function step(
  plan: Plan,
  workers: Worker[],
  probes: CpuProbe[],
  rate: number,
  stepSeconds: number,
  label: string,
  /** 0: nobody is subscribed (a sends-only baseline); nothing is expected to arrive. */
  perRoom = PER_ROOM,
): Promise<StepResult> {
  const rooms = plan.roomKeys.length;
  const interval = (1000 * rooms) / rate; // ms between two sends of one room
  const sentSeqs: Map<number, number>[] = Array.from({ length: rooms }, () => new Map());
  const sendResponse: number[] = [];
  const errorSamples: string[] = [];
  const inFlight = new Array<number>(rooms).fill(0);
  const fired = new Array<number>(rooms).fill(0);
  const pending = new Set<Promise<void>>();
  let sendErrors = 0;
  let skipped = 0;

  await Promise.all(workers.map((w) => w.request({ cmd: 'begin' })));
  await sleep(200);
  const cpu0 = cpuSnapshot(probes);
  const start = nowMs();
  const t0 = performance.now();
  const fire = (room: number) => {
    if (inFlight[room]! >= MAX_IN_FLIGHT_PER_ROOM) {
      skipped++;
      return;
    }
    inFlight[room]!++;
    const replica = plan.replicas[fired[room]! % plan.replicas.length]!;
    const sentAt = nowMs();
    const sending = plan
      .send(room, replica, String(sentAt))
      .then(
        (seq) => {
          sentSeqs[room]!.set(seq, sentSeqs[room]!.size);
          sendResponse.push(nowMs() - sentAt);
        },
        (error: Error) => {
          sendErrors++;
          if (errorSamples.length < 5) errorSamples.push(error.message);
        },
      )
      .finally(() => {
        inFlight[room]!--;
        pending.delete(sending);
      });
    pending.add(sending);
  };
  const maxSends = Math.ceil(rate * stepSeconds) + rooms;
  let total = 0;
  // Open loop: each room fires at its own phase; late ticks catch up (the rate stays the rate).
  while (performance.now() - t0 < stepSeconds * 1000 && total < maxSends) {
    const elapsed = performance.now() - t0;
    for (let r = 0; r < rooms; r++) {
      const due = Math.floor((elapsed - (r * interval) / rooms) / interval) + 1;
      while (fired[r]! < due && total < maxSends) {
        fire(r);
        fired[r]!++;
        total++;
      }
    }
    await sleep(1);
  }
  const cpu1 = cpuSnapshot(probes);
  const sendEnd = nowMs();
  await Promise.race([Promise.allSettled([...pending]), sleep(HTTP_TIMEOUT_MS + 5_000)]);

  // Drain: until every expected delivery arrived, or nothing arrived for DRAIN_IDLE_MS.
  const sent = sentSeqs.reduce((n, m) => n + m.size, 0);
  const expected = sent * perRoom;
  let last = -1;
  let lastChange = Date.now();
  const drainDeadline = Date.now() + DRAIN_MAX_MS;
  while (perRoom > 0 && Date.now() < drainDeadline) {
    const { deliveries } = await totalCount(workers);
    if (deliveries >= expected) {
      await sleep(500); // duplicates, if any, arrive now
      break;
    }
    if (deliveries !== last) {
      last = deliveries;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > DRAIN_IDLE_MS) break;
    await sleep(200);
  }
  const drainMs = Math.round(nowMs() - sendEnd);

  // Attribute every delivery to (subscriber, seq) of the step.
  const collected = await Promise.all(workers.map((w) => w.request<'collected'>({ cmd: 'collect' }, 300_000)));
  const counts = plan.subscribers.map((s) => new Uint8Array(perRoom ? sentSeqs[s.room]!.size : 0));
  const latencies = new Float64Array(expected);
  const sinceStored = new Float64Array(expected);
  let delivered = 0;
  let duplicates = 0;
  let unexpected = 0;
  let lastReceipt = start;
  const socketProblems: string[] = [];
  for (const c of collected) {
    socketProblems.push(...c.problems);
    for (let i = 0; i < c.subscriber.length; i++) {
      const sub = c.subscriber[i]!;
      const position = sentSeqs[plan.subscribers[sub]!.room]!.get(c.seq[i]!);
      if (position === undefined) {
        unexpected++;
        continue;
      }
      const seen = counts[sub]![position]!;
      if (seen > 0) {
        duplicates++;
        if (seen < 255) counts[sub]![position] = seen + 1;
        continue;
      }
      counts[sub]![position] = 1;
      latencies[delivered] = c.latencyMs[i]!;
      sinceStored[delivered] = c.sinceStoredMs[i]!;
      delivered++;
      if (c.receivedAt[i]! > lastReceipt) lastReceipt = c.receivedAt[i]!;
    }
  }
  const lost = expected - delivered;
  const latency = distribution(latencies.subarray(0, delivered));
  const result: StepResult = {
    target: plan.target,
    label,
    rate,
    seconds: stepSeconds,
    sent,
    sendErrors,
    skipped,
    sendErrorSamples: errorSamples,
    sendsPerSecond: round(sent / ((sendEnd - start) / 1000), 1),
    sendResponse: distribution(Float64Array.from(sendResponse)),
    expectedDeliveries: expected,
    delivered,
    lost,
    duplicates,
    unexpected,
    latency,
    sinceStored: plan.target === 'ours' ? distribution(sinceStored.subarray(0, delivered)) : null,
    deliveriesPerSecond: Math.round(delivered / ((lastReceipt - start) / 1000)),
    drainMs,
    cpuCores: cpuBetween(cpu0, cpu1),
    redisCpuMsPer1000Deliveries: 0,
    redisCpuMsPer1000Sends: 0,
    socketProblems,
    pass: latency.p99Ms < P99_LIMIT_MS && lost === 0 && duplicates === 0 && skipped === 0 && sendErrors === 0,
  };
  const redisCores = result.cpuCores.redis ?? 0;
  result.redisCpuMsPer1000Deliveries = round((redisCores * 1e6) / Math.max(1, result.deliveriesPerSecond), 2);
  result.redisCpuMsPer1000Sends = round((redisCores * 1e6) / Math.max(1, result.sendsPerSecond), 2);
  log(
    `${plan.target} ${label} ${rate}/s: sent ${sent} (${result.sendsPerSecond}/s, ${skipped} skipped, ${sendErrors} errors), ` +
      `delivered ${delivered}/${expected} (lost ${lost}, dup ${duplicates}, unexpected ${unexpected}), ` +
      `p50 ${latency.p50Ms} p99 ${latency.p99Ms} max ${latency.maxMs} ms, ${result.deliveriesPerSecond} deliveries/s, ` +
      `drain ${drainMs} ms, cpu ${JSON.stringify(result.cpuCores)}${result.pass ? '' : '  [FAIL]'}`,
  );
  if (socketProblems.length) log(`  socket problems: ${socketProblems.slice(0, 5).join(' | ')}`);
  if (errorSamples.length) log(`  send errors: ${errorSamples.join(' | ')}`);
  await sleep(2_000);
  return result;
}

/**
 * A step measured while other processes (other people's work on this machine) used less than
 * --busy-cores; otherwise retried after a pause, up to --busy-retries times, keeping the quietest.
 */
async function quietStep(
  plan: Plan,
  workers: Worker[],
  probes: CpuProbe[],
  rate: number,
  label: string,
  perRoom = PER_ROOM,
) {
  const tries: StepResult[] = [];
  for (let attempt = 0; attempt <= busyRetries; attempt++) {
    if (attempt > 0) {
      log(`  other processes used ${tries.at(-1)!.cpuCores['everything else']} cores: retrying in 20 s`);
      await sleep(20_000);
    }
    tries.push(await step(plan, workers, probes, rate, seconds, label, perRoom));
    if (tries.at(-1)!.cpuCores['everything else']! <= busyCores) break;
  }
  const quietest = tries.sort((a, b) => a.cpuCores['everything else']! - b.cpuCores['everything else']!)[0]!;
  return { ...quietest, attempts: tries.length };
}

/**
 * `total` sends with nobody subscribed, each room's sender one at a time as fast as it is answered,
 * alternating replicas: every target's code is measured after its JIT has seen thousands of sends
 * (a send costs ours about twice as much in its first thousand per replica as after five thousand),
 * as a server that has been up for a while would be.
 */
async function warmUpSends(plan: Plan, total: number) {
  if (total === 0) return;
  const t0 = performance.now();
  let next = 0;
  let errors = 0;
  await Promise.all(
    plan.roomKeys.map(async (_, room) => {
      for (let k = room; next < total; k++) {
        next++;
        await plan.send(room, plan.replicas[k % plan.replicas.length]!, String(nowMs())).catch(() => errors++);
      }
    }),
  );
  log(`${plan.target} warm-up: ${total} sends (${errors} errors) in ${Math.round(performance.now() - t0)} ms`);
  await sleep(2_000);
}

/** The fixed rates, then up to --refine more steps bisecting for the highest passing rate. */
async function latencyRun(plan: Plan, workers: Worker[], probes: CpuProbe[]) {
  const steps: StepResult[] = [];
  if (warmupSeconds > 0) await step(plan, workers, probes, warmupRate, warmupSeconds, 'warm-up');
  for (const rate of rates) steps.push(await quietStep(plan, workers, probes, rate, 'step'));
  const round10 = (x: number) => Math.max(10, Math.round(x / 10) * 10);
  for (let i = 0; i < refineSteps; i++) {
    const passing = steps.filter((s) => s.pass).map((s) => s.rate);
    const failing = steps.filter((s) => !s.pass).map((s) => s.rate);
    const lo = passing.length ? Math.max(...passing) : 0;
    const above = failing.filter((r) => r > lo);
    const hi = above.length ? Math.min(...above) : undefined;
    let next: number;
    if (hi === undefined) {
      next = Math.min(maxRate, round10(lo * 1.5));
      if (next <= lo) break;
    } else {
      if (hi - lo <= Math.max(10, lo * 0.1)) break;
      next = round10((lo + hi) / 2);
      if (next <= lo || next >= hi) break;
    }
    steps.push(await quietStep(plan, workers, probes, next, 'refine'));
  }
  const best = steps.filter((s) => s.pass).sort((a, b) => b.rate - a.rate)[0];
  return {
    steps,
    maxPassing: best
      ? {
          rate: best.rate,
          deliveriesPerSecond: best.deliveriesPerSecond,
          p99Ms: best.latency.p99Ms,
          redisCpuMsPer1000Deliveries: best.redisCpuMsPer1000Deliveries,
        }
      : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Memory per idle subscribed socket

/**
 * Resident memory per idle socket with one subscription: one server process, started with the V8
 * inspector on loopback so a full GC can be forced before each reading. RSS is reported as read
 * (after the settle period) and after the forced GC; the per-socket figure uses the latter.
 */
async function memoryRun(target: Target, replica: Replica, inspectorPort: number, plan: Plan, workers: Worker[]) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const sample = async () => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      xs.push(rssKiB(replica.pid));
      await sleep(1_000);
    }
    return median(xs);
  };
  const inspector = await inspect(inspectorPort);
  const reading = async () => {
    const settledKiB = await sample();
    await inspector.collectGarbage();
    await inspector.collectGarbage();
    await sleep(2_000);
    return { settledKiB, afterGcKiB: await sample(), heapUsedMiB: await inspector.heapUsedMiB() };
  };
  try {
    // Warm the path (first connections, subscriptions, deliveries) with a throw-away worker.
    const warm = new Worker();
    const warmSpecs = plan.subscribers.slice(0, 2 * ROOMS).map((s, i) => ({ ...s, index: i }));
    await openSubscribers(target, warmSpecs, [warm]);
    await awaitLive(plan, [warm], warmSpecs.length);
    await warm.stop();
    await sleep(10_000);
    const before = await reading();
    const specs = Array.from({ length: memorySockets }, (_, i) => ({
      ...plan.subscribers[i % plan.subscribers.length]!,
      index: i,
    }));
    if (heapProfile) {
      await inspector.call('HeapProfiler.enable');
      await inspector.call('HeapProfiler.startSampling', { samplingInterval: 4096 });
    }
    await openSubscribers(target, specs, workers);
    const probes = await awaitLive(plan, workers, specs.length);
    await sleep(15_000);
    const after = await reading();
    if (heapProfile) {
      // What the sockets keep alive, by allocation site (sampled; only objects still live after GC).
      const { profile } = (await inspector.call('HeapProfiler.stopSampling')) as { profile: unknown };
      mkdirSync(resultsDir, { recursive: true });
      const file = `${resultsDir}live-heap-${target}-${stamp}.heapprofile`;
      writeFileSync(file, JSON.stringify(profile));
      log(`${target}: heap profile in ${file}; summarise with npx tsx bench/live/profile-summary.ts ${file}`);
    }
    const result = {
      target,
      sockets: memorySockets,
      rssBeforeMiB: round(before.afterGcKiB / 1024, 1),
      rssAfterMiB: round(after.afterGcKiB / 1024, 1),
      perSocketKiB: round((after.afterGcKiB - before.afterGcKiB) / memorySockets, 1),
      withoutForcedGc: {
        rssBeforeMiB: round(before.settledKiB / 1024, 1),
        rssAfterMiB: round(after.settledKiB / 1024, 1),
        perSocketKiB: round((after.settledKiB - before.settledKiB) / memorySockets, 1),
      },
      heapUsedMiB: { before: before.heapUsedMiB, after: after.heapUsedMiB },
      heapPerSocketKiB: round(((after.heapUsedMiB - before.heapUsedMiB) * 1024) / memorySockets, 1),
      probesUntilLive: probes,
    };
    log(`${target} memory: ${JSON.stringify(result)}`);
    return result;
  } finally {
    inspector.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function waitForIdle() {
  const started = Date.now();
  const deadline = started + maxWaitMinutes * 60_000;
  const seen: number[] = [];
  for (;;) {
    const load = loadavg()[0]!;
    seen.push(round(load));
    if (load < idleLoad) return { waitedSeconds: Math.round((Date.now() - started) / 1000), loads: seen };
    if (Date.now() > deadline) {
      log(`load average still ${load.toFixed(2)} after ${maxWaitMinutes} min; measuring anyway`);
      return { waitedSeconds: maxWaitMinutes * 60, loads: seen, busy: true };
    }
    log(`load average ${load.toFixed(2)} ≥ ${idleLoad}: waiting for an idle machine`);
    await sleep(30_000);
  }
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args).toString().trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGiB: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  postgres: versionOf('psql', ['--version']),
  redis: versionOf('redis-server', ['--version']),
  fdLimit: versionOf('sh', ['-c', 'ulimit -n']),
};

const report: Record<string, any> = {
  benchmark: 'live delivery (issue 5)',
  startedAt: new Date().toISOString(),
  machine,
  settings: {
    rooms: ROOMS,
    subscribersPerRoom: PER_ROOM,
    rates,
    seconds,
    warmupSeconds,
    warmupRate,
    warmupSends,
    refineSteps,
    workers: workerCount,
    memorySockets,
    p99LimitMs: P99_LIMIT_MS,
    maxInFlightPerRoom: MAX_IN_FLIGHT_PER_ROOM,
    busyCores,
    busyRetries,
    baselineRate,
    selection,
    sendOver,
    argv: process.argv.slice(2),
  },
  targets: {},
};

async function runTarget(target: Target, databaseUrl: string | null, key: string = target) {
  const out: Record<string, any> = { loadAtStart: loadavg().map((x) => round(x)) };
  report.targets[key] = out;
  const tag = key === target ? '' : 'c';
  const startReplicas = async (n: number, extraEnv: Record<string, string> = {}) =>
    Promise.all(
      Array.from({ length: n }, () =>
        target === 'ours' ? startOurs(databaseUrl!, extraEnv) : startPeer(target as 'raw' | 'socketio', extraEnv),
      ),
    );
  const makePlan = async (replicas: Replica[], tag: string) =>
    target === 'ours' ? planOurs(replicas, tag) : planPeer(target as 'raw' | 'socketio', replicas);

  if (!flag('no-latency') || profileRate) {
    const profileDir = `${resultsDir}live-prof-${stamp}`;
    const inspectorPorts = profileRate ? [await freePort(), await freePort()] : [];
    const replicas = await Promise.all(
      [0, 1].map((i) =>
        startReplicas(1, {
          NODE_OPTIONS: [nodeOptions, profileRate ? `--inspect=127.0.0.1:${inspectorPorts[i]}` : ''].join(' ').trim(),
        }).then(([r]) => r!),
      ),
    );
    log(`${target}: replicas ${replicas.map((r) => `${r.url} (pid ${r.pid})`).join(', ')}`);
    const plan = await makePlan(replicas, `${profileRate ? 'prof' : 'lat'}${tag}`);
    const workers = Array.from({ length: workerCount }, () => new Worker());
    const probes: CpuProbe[] = [
      ...replicas.map((r, i) => ({ name: `replica ${'AB'[i]}`, pids: () => [r.pid] })),
      { name: 'replicas (kernel)', pids: () => replicas.map((r) => r.pid), part: 'system' as const },
      { name: 'subscriber workers', pids: () => workers.map((w) => w.pid) },
      { name: 'redis', pids: () => (target === 'ours' ? redisPids : pidsOf('redis-server')) },
      { name: 'postgres (all)', pids: () => pidsOf('postgres') },
    ];
    try {
      if (profileRate) {
        // Sample both replicas (1 kHz) through a sends-only step and through a step with every
        // subscriber listening, each after an unprofiled warm-up.
        const inspectors = await Promise.all(inspectorPorts.map((port) => inspect(port)));
        const profiled = async (name: string, run: () => Promise<StepResult>) => {
          const stops = await Promise.all(inspectors.map((inspector) => startCpuProfile(inspector)));
          const dbBefore = await databaseStats(databaseUrl);
          const result = await run();
          await sleep(12_000); // idle backends report their statistics within ~10 s
          const dbAfter = await databaseStats(databaseUrl);
          mkdirSync(profileDir, { recursive: true });
          for (const [i, stop] of stops.entries()) {
            const profile = await stop();
            writeFileSync(`${profileDir}/${name}-replica-${'AB'[i]}.cpuprofile`, JSON.stringify(profile));
          }
          let database: Record<string, number> | undefined;
          if (dbBefore && dbAfter) {
            const delta = Object.fromEntries(Object.entries(dbAfter).map(([k, v]) => [k, v - dbBefore[k]!]));
            database = {
              ...delta,
              transactionsPerSentMessage: round(delta.xact_commit! / result.sent, 2),
              tuplesFetchedPerSentMessage: round(delta.tup_fetched! / result.sent, 2),
            };
            log(`${name}: database ${JSON.stringify(database)}`);
          }
          return { step: result, database };
        };
        await warmUpSends(plan, warmupSends);
        const sendsOnly = await profiled('sends-only', () =>
          step(plan, workers, probes, profileRate, seconds, 'sends-only', 0),
        );
        await openSubscribers(target, plan.subscribers, workers);
        out.probesUntilLive = await awaitLive(plan, workers, plan.subscribers.length);
        await step(plan, workers, probes, warmupRate, warmupSeconds || 3, 'warm-up');
        const fanOut = await profiled('fan-out', () => step(plan, workers, probes, profileRate, seconds, 'profile'));
        for (const inspector of inspectors) inspector.close();
        out.profile = { rate: profileRate, dir: profileDir, sendsOnly, fanOut };
        log(`profiles in ${profileDir}; summarise with npx tsx bench/live/profile-summary.ts ${profileDir}`);
      } else {
        if (baselineRate) {
          // The cost of the sends alone (nobody subscribed), to tell it from the cost of fan-out.
          await warmUpSends(plan, warmupSends);
          out.sendsOnly = await quietStep(plan, workers, probes, baselineRate, 'sends-only', 0);
        }
        await openSubscribers(target, plan.subscribers, workers);
        out.probesUntilLive = await awaitLive(plan, workers, plan.subscribers.length);
        Object.assign(out, await latencyRun(plan, workers, probes));
        const same = (out.steps as StepResult[]).find((x) => x.rate === baselineRate);
        if (same && out.sendsOnly) {
          // CPU of both replicas, in µs: per message with nobody listening, and per delivery on top.
          const replicasCores = (c: Record<string, number>) => c['replica A']! + c['replica B']!;
          const only = out.sendsOnly as StepResult;
          out.cpuCost = {
            sendMicrosecondsPerMessage: round((replicasCores(only.cpuCores) * 1e6) / only.sendsPerSecond, 1),
            fanOutMicrosecondsPerDelivery: round(
              ((replicasCores(same.cpuCores) - replicasCores(only.cpuCores)) * 1e6) / (same.sendsPerSecond * PER_ROOM),
              1,
            ),
            /** The kernel's share of it (system time: socket writes). */
            fanOutKernelMicrosecondsPerDelivery: round(
              ((same.cpuCores['replicas (kernel)']! - only.cpuCores['replicas (kernel)']!) * 1e6) /
                (same.sendsPerSecond * PER_ROOM),
              1,
            ),
          };
          log(`${target}: CPU cost ${JSON.stringify(out.cpuCost)}`);
        }
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(replicas.map((r) => stopChild(r.child)));
    }
  }

  if (!flag('no-memory') && !profileRate) {
    // Users, rooms and memberships are made on a replica of their own (password hashing and setup
    // traffic would otherwise sit in the baseline), then a fresh process is measured.
    let plan: Plan;
    if (target === 'ours') {
      const [setup] = await startReplicas(1);
      try {
        plan = await makePlan([setup!], `mem${tag}`);
      } finally {
        await stopChild(setup!.child);
      }
    }
    const inspectorPort = await freePort();
    const [replica] = await startReplicas(1, { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` });
    if (target === 'ours') {
      plan!.replicas = [replica!];
      plan!.subscribers = plan!.subscribers.map((s) => ({ ...s, url: replica!.url }));
    } else {
      plan = await makePlan([replica!], 'mem');
    }
    const workers = Array.from({ length: Math.max(2, workerCount) }, () => new Worker());
    try {
      out.memory = await memoryRun(target, replica!, inspectorPort, plan!, workers);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await stopChild(replica!.child);
    }
  }
}

function ratios() {
  const ours = report.targets.ours;
  if (!ours) return;
  const out: Record<string, any> = {};
  for (const peer of ['raw', 'socketio'] as const) {
    const theirs = report.targets[peer];
    if (!theirs) continue;
    const r: Record<string, any> = { steps: [] };
    for (const s of (ours.steps ?? []) as StepResult[]) {
      const t = ((theirs.steps ?? []) as StepResult[]).find((x) => x.rate === s.rate);
      if (!t) continue;
      r.steps.push({
        rate: s.rate,
        p50: round(s.latency.p50Ms / t.latency.p50Ms),
        p99: round(s.latency.p99Ms / t.latency.p99Ms),
        deliveriesPerSecond: round(s.deliveriesPerSecond / t.deliveriesPerSecond),
      });
    }
    if (ours.maxPassing && theirs.maxPassing) {
      r.maxDeliveriesPerSecondUnder100ms = round(
        ours.maxPassing.deliveriesPerSecond / theirs.maxPassing.deliveriesPerSecond,
      );
    }
    if (ours.cpuCost && theirs.cpuCost) {
      r.fanOutCpuPerDelivery = round(
        ours.cpuCost.fanOutMicrosecondsPerDelivery / theirs.cpuCost.fanOutMicrosecondsPerDelivery,
      );
    }
    if (ours.memory && theirs.memory) r.memoryPerSocket = round(ours.memory.perSocketKiB / theirs.memory.perSocketKiB);
    out[`ours/${peer}`] = r;
  }
  report.ratios = out;
}

function printSummary() {
  for (const [target, t] of Object.entries(report.targets) as [string, any][]) {
    console.log(`\n${target}`);
    if (t.steps) {
      console.log(
        '  rate/s  label   p50 ms   p99 ms   max ms  deliv/s   lost  dup  skipped  sendP99 ms  pass  redis ms/1k deliv',
      );
      for (const s of t.steps as StepResult[]) {
        console.log(
          `  ${String(s.rate).padStart(6)}  ${s.label.padEnd(6)} ${String(s.latency.p50Ms).padStart(7)} ${String(s.latency.p99Ms).padStart(8)} ` +
            `${String(s.latency.maxMs).padStart(8)} ${String(s.deliveriesPerSecond).padStart(8)} ${String(s.lost).padStart(6)} ` +
            `${String(s.duplicates).padStart(4)} ${String(s.skipped).padStart(8)} ${String(s.sendResponse.p99Ms).padStart(11)}  ${s.pass ? 'yes' : 'no '}  ${s.redisCpuMsPer1000Deliveries}`,
        );
      }
      console.log(`  highest passing: ${JSON.stringify(t.maxPassing)}`);
    }
    if (t.memory) console.log(`  memory: ${JSON.stringify(t.memory)}`);
  }
  if (report.ratios) console.log(`\nratios ${JSON.stringify(report.ratios, null, 2)}`);
}

let exitCode = 0;
try {
  report.idle = await waitForIdle();
  log(
    `machine: ${JSON.stringify(machine)}; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  let databaseUrl: string | null = null;
  if (targets.includes('ours')) {
    const db = await createPostgresDatabase();
    cleanups.push(db.drop);
    databaseUrl = db.url;
    log(`ours: database ${new URL(db.url).pathname.slice(1)}`);
  }
  for (const target of targets) {
    if (target !== 'ours') {
      await runTarget(target, databaseUrl);
      continue;
    }
    for (const mode of redisModes) {
      if (mode === 'cluster') {
        const cluster = await startRedisCluster();
        cleanups.push(cluster.stop);
        redisEnv = { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes };
        redisPids = cluster.ports.map(redisPid);
        log(`ours: Redis Cluster ${cluster.nodes} (pids ${redisPids.join(', ')})`);
      } else {
        redisEnv = {};
        redisPids = [redisPid(Number(new URL(REDIS_URL).port || 6379))];
      }
      await runTarget(target, databaseUrl, mode === 'cluster' ? 'ours (cluster)' : 'ours');
      if (mode === 'cluster') await cleanups.pop()!();
    }
  }
  ratios();
} catch (error) {
  exitCode = 1;
  report.error = (error as Error).stack ?? String(error);
  console.error(error);
} finally {
  await cleanupAll();
  closeHttp();
  report.finishedAt = new Date().toISOString();
  if (tracingEndpoint) report.otlp = { endpoint: tracingEndpoint, ...otlpSink };
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}live-${stamp}.json`;
  writeFileSync(file, JSON.stringify(report, null, 2));
  printSummary();
  log(`wrote ${file}`);
}
process.exit(exitCode);
