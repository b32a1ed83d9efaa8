// Accounts and sessions (issue 3): what a password hash costs, how many sign-ins per second one
// replica sustains, and what verifying the access token adds to every request.
//   npx tsx bench/auth.ts [--duration 10] [--concurrency 1,4,16] [--hashes 30] [--users 20]
// Embedded database by default (a temporary DATA_DIR); PostgreSQL when DATABASE_URL is set (a fresh
// database is created on it and dropped at the end). Prints a report and writes it as JSON to
// bench/results/auth-<timestamp>.json. All traffic goes to a server on 127.0.0.1 started here.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createSecretKey } from 'node:crypto';
import * as argon2 from 'argon2';
import jwt from 'jsonwebtoken';
import { Passwords } from '../server/src/auth/passwords.js';
import { AccessTokens } from '../server/src/auth/tokens.js';
import { loadConfig } from '../server/src/config.js';
import { spawnServer, type ServerProcess } from '../server/test/support/server.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const loginSeconds = Math.min(120, Math.max(1, Number(arg('duration', '10'))));
const concurrencies = arg('concurrency', '1,4,16')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0 && n <= 256);
const hashCount = Math.min(1000, Math.max(3, Number(arg('hashes', '30'))));
const userCount = Math.min(1000, Math.max(1, Number(arg('users', '20'))));
const typenameSeconds = 5;
const typenameConcurrency = 16;
const jwtIterations = 100_000;
/** Upper bound on requests in any one timed phase, whatever the duration. */
const MAX_REQUESTS = 2_000_000;
const PASSWORD = 'correct horse battery staple';
/** 1-minute load average when the run began: anything well above 0 means the numbers are shared. */
const loadAtStart = Number(loadavg()[0]!.toFixed(2));

// ---------------------------------------------------------------------------------------------
// Statistics

const sorted = (xs: number[]) => Float64Array.from(xs).sort();
function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Wall time of `fn`, one call at a time, and the process's CPU time per call (all threads). */
async function timeEach(n: number, fn: () => Promise<unknown>) {
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    n,
    median: round(pct(ms, 50)),
    p90: round(pct(ms, 90)),
    cpuMsEach: round((cpu.user + cpu.system) / 1000 / n),
  };
}

// ---------------------------------------------------------------------------------------------
// 1. argon2id, in this process (nothing else running yet)

const config = loadConfig({});
const serverParams = config.argon2;
const passwords = new Passwords(serverParams);
const libraryDefault = { memoryCost: 65_536, timeCost: 3, parallelism: 4 };

console.log(`argon2id: ${hashCount} hashes with the server defaults, then the library defaults…`);
await passwords.hash(PASSWORD); // warm-up (also lets the constructor's decoy hash finish)
const serverHash = await timeEach(hashCount, () => passwords.hash(PASSWORD));
const storedHash = await passwords.hash(PASSWORD);
const serverVerify = await timeEach(hashCount, async () => {
  if (!(await passwords.verify(storedHash, PASSWORD))) throw new Error('argon2 verify failed');
});
await argon2.hash(PASSWORD, { type: argon2.argon2id, ...libraryDefault });
const defaultHash = await timeEach(hashCount, () =>
  argon2.hash(PASSWORD, { type: argon2.argon2id, ...libraryDefault }),
);

/** Verifies per second with `inFlight` at once (libuv's pool runs them; 4 threads unless UV_THREADPOOL_SIZE). */
async function verifyThroughput(inFlight: number, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline && done < MAX_REQUESTS) {
        await passwords.verify(storedHash, PASSWORD);
        done++;
      }
    }),
  );
  return round(done / seconds, 1);
}
const verifyPerSecond = {
  inFlight1: await verifyThroughput(1, 3),
  inFlight4: await verifyThroughput(4, 3),
};

// ---------------------------------------------------------------------------------------------
// 3a. Access tokens, in this process

const jwtSecret = 'bench-secret-bench-secret-bench-secret-0123';
const jwtConfig = loadConfig({ JWT_SECRET: jwtSecret }).jwt;
const tokens = new AccessTokens(jwtSecret, jwtConfig);
const token = tokens.sign('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002').token;

/** µs per call of `fn`, after a warm-up. */
function micro(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(2_000, iterations); i++) fn();
  const t = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return round(((performance.now() - t) * 1000) / iterations);
}
console.log(`access tokens: ${jwtIterations} verifies…`);
const verifyUs = micro(jwtIterations, () => tokens.verify(token));
const signUs = micro(jwtIterations / 5, () => tokens.sign('00000000-0000-4000-8000-000000000001', 'sid'));
// For comparison, jwt.verify itself with the same options: with the secret as a KeyObject made once
// (what AccessTokens does since ff2b1cc), and as a plain string, where jsonwebtoken 9 first tries
// createPublicKey() on it, which fails, on every call (auth0/node-jsonwebtoken#966, #1046).
const verifyOptions: jwt.VerifyOptions & { complete: false } = {
  algorithms: ['HS256'],
  issuer: jwtConfig.issuer,
  audience: jwtConfig.audience,
  complete: false,
};
const secretKey = createSecretKey(Buffer.from(jwtSecret));
const verifyKeyObjectUs = micro(jwtIterations, () => jwt.verify(token, secretKey, verifyOptions));
const verifyStringSecretUs = micro(jwtIterations / 10, () => jwt.verify(token, jwtSecret, verifyOptions));

// ---------------------------------------------------------------------------------------------
// 2 and 3b. A real server in a child process

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = await mkdtemp(join(tmpdir(), 'chat-bench-auth-'));
let database: { url: string; drop(): Promise<void> } | null = null;
let server: ServerProcess | null = null;

async function cleanUp() {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.kill('SIGTERM');
    const code = await Promise.race([server.exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      server.kill('SIGKILL');
      await server.exited;
    }
  }
  server = null;
  const db = database;
  database = null;
  if (db) await db.drop().catch((error: Error) => console.error(`could not drop the database: ${error.message}`));
  await rm(dataDir, { recursive: true, force: true });
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

/**
 * Where the machine's CPU went during a phase, in cores (Linux /proc; NaN elsewhere): the server
 * process, this process (the load generator), the PostgreSQL backends of the bench's database, and
 * everything else — the last should be near 0, or the machine was shared with something else.
 */
interface CpuShare {
  server: number;
  bench: number;
  postgres: number;
  other: number;
}

/** utime + stime of one process, in clock ticks (0 when gone). */
function processTicks(pid: number | string): { ticks: number; comm: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return { ticks: 0, comm: '' };
  }
}

function cpuSnapshot() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    const busy = total - cpu[3]! - cpu[4]!;
    let postgres = 0;
    const dbName = database ? new URL(database.url).pathname.slice(1) : null;
    for (const pid of dbName ? readdirSync('/proc').filter((d) => /^\d+$/.test(d)) : []) {
      const p = processTicks(pid);
      // A backend's title (its cmdline) names its database: "postgres: 15/main: user db host(port) …".
      if (p.comm === 'postgres' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${dbName} `)) {
        postgres += p.ticks;
      }
    }
    const serverPid = server?.child.pid;
    return {
      total,
      busy,
      postgres,
      self: processTicks('self').ticks,
      server: serverPid ? processTicks(serverPid).ticks : 0,
    };
  } catch {
    return null;
  }
}

function cpuShare(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): CpuShare {
  if (!before || !after) return { server: NaN, bench: NaN, postgres: NaN, other: NaN };
  // Ticks of all CPUs over the phase, per core: the wall time in ticks.
  const wall = (after.total - before.total) / availableParallelism();
  const cores = (ticks: number) => ticks / wall;
  const server = after.server - before.server;
  const bench = after.self - before.self;
  const postgres = Math.max(0, after.postgres - before.postgres);
  const other = Math.max(0, after.busy - before.busy - server - bench - postgres);
  return { server: cores(server), bench: cores(bench), postgres: cores(postgres), other: cores(other) };
}

interface Phase {
  concurrency: number;
  seconds: number;
  ok: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstError?: string;
  /** Server CPU time per successful request (ms). */
  serverCpuMsPerRequest: number;
  /** CPU time of the database's PostgreSQL backends per successful request (ms). */
  postgresCpuMsPerRequest: number;
  /** Requests/s the machine's cores could serve at that server + PostgreSQL CPU per request. */
  cpuBoundPerSecond: number;
  cpuCores: CpuShare;
}

/** `concurrency` workers calling `request` back to back until `seconds` have passed. */
async function load(
  concurrency: number,
  seconds: number,
  request: (worker: number, i: number) => Promise<string | null>,
): Promise<Phase> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let started = 0;
  const cpuBefore = cpuSnapshot();
  const begin = performance.now();
  const deadline = begin + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline && started < MAX_REQUESTS) {
        const i = started++;
        const t = performance.now();
        let error: string | null;
        try {
          error = await request(worker, i);
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
  const cpu = cpuShare(cpuBefore, cpuSnapshot());
  const cpuMsPerRequest = (cores: number) => round((cores * elapsed * 1000) / latencies.length, 3);
  return {
    concurrency,
    seconds: round(elapsed),
    ok: latencies.length,
    failed,
    perSecond: round(latencies.length / elapsed, 1),
    p50Ms: round(pct(latencies, 50)),
    p99Ms: round(pct(latencies, 99)),
    ...(firstError ? { firstError: firstError.slice(0, 300) } : {}),
    serverCpuMsPerRequest: cpuMsPerRequest(cpu.server),
    postgresCpuMsPerRequest: cpuMsPerRequest(cpu.postgres),
    cpuBoundPerSecond: round((availableParallelism() * latencies.length) / ((cpu.server + cpu.postgres) * elapsed), 1),
    cpuCores: {
      server: round(cpu.server),
      bench: round(cpu.bench),
      postgres: round(cpu.postgres),
      other: round(cpu.other),
    },
  };
}

const logins: Phase[] = [];
let refused: Phase | null = null;
let startMs = NaN;
let typename: { guest: Phase; bearer: Phase } | null = null;
let databaseKind: 'embedded' | 'postgres' = 'embedded';
try {
  const env: Record<string, string> = {
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  };
  if (process.env.DATABASE_URL) {
    // Imported only here: the test support module reads DATABASE_URL when it loads.
    const { createPostgresDatabase } = await import('../server/test/support/databases.js');
    database = await createPostgresDatabase();
    env.DATABASE_URL = database.url;
    databaseKind = 'postgres';
  }
  console.log(`starting the server (${databaseKind} database)…`);
  const startedAt = performance.now();
  server = spawnServer(env);
  const url = `http://127.0.0.1:${env.PORT}`;
  const graphqlUrl = `${url}/graphql`;
  // LOG_LEVEL=warn hides "server listening", which `ready` waits for: poll /readyz instead.
  const startDeadline = performance.now() + 60_000;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
    if (performance.now() > startDeadline) throw new Error(`server not ready after 60 s:\n${server.output()}`);
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await sleep(50);
  }
  startMs = Math.round(performance.now() - startedAt);

  async function gql(query: string, variables?: Record<string, unknown>, bearer?: string) {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, any> | null; errors?: { message: string }[] };
    return { status: response.status, ...body };
  }

  const stamp = Date.now().toString(36);
  const users = Array.from({ length: userCount }, (_, i) => `bench_${stamp}_${i}`);
  console.log(`registering ${users.length} users…`);
  let accessToken = '';
  for (const username of users) {
    const r = await gql('mutation ($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }', {
      input: { username, password: PASSWORD },
    });
    if (!r.data?.register?.accessToken) throw new Error(`register failed: ${JSON.stringify(r.errors ?? r)}`);
    accessToken = r.data.register.accessToken;
  }

  const LOGIN = 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }';
  for (const concurrency of concurrencies) {
    console.log(`logins: ${concurrency} concurrent for ${loginSeconds} s…`);
    await sleep(500); // let the previous phase's stragglers settle
    logins.push(
      await load(concurrency, loginSeconds, async (_, i) => {
        const r = await gql(LOGIN, { input: { username: users[i % users.length], password: PASSWORD } });
        return r.data?.login?.accessToken ? null : `HTTP ${r.status}: ${JSON.stringify(r.errors)}`;
      }),
    );
  }

  // The same work minus the session insert and the token: a wrong password (verified, refused).
  const refusedConcurrency = Math.max(...concurrencies);
  console.log(`refused logins (wrong password): ${refusedConcurrency} concurrent for ${loginSeconds} s…`);
  await sleep(500);
  refused = await load(refusedConcurrency, loginSeconds, async (_, i) => {
    const r = await gql(LOGIN, { input: { username: users[i % users.length], password: 'wrong password!' } });
    const code = (r.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code;
    return code === 'UNAUTHENTICATED' ? null : `HTTP ${r.status}: ${JSON.stringify(r.errors ?? r.data)}`;
  });

  const typenameRequest = (bearer?: string) => async () => {
    const r = await gql('{ __typename }', undefined, bearer);
    return r.data?.__typename === 'Query' ? null : `HTTP ${r.status}: ${JSON.stringify(r.errors)}`;
  };
  console.log(`{ __typename }: ${typenameConcurrency} concurrent, ${typenameSeconds} s as a guest, then with a token…`);
  await load(typenameConcurrency, 1, typenameRequest()); // warm-up
  const guest = await load(typenameConcurrency, typenameSeconds, typenameRequest());
  const bearer = await load(typenameConcurrency, typenameSeconds, typenameRequest(accessToken));
  typename = { guest, bearer };
} finally {
  await cleanUp();
}

// ---------------------------------------------------------------------------------------------
// Report

const report = {
  bench: 'auth',
  issue: 'Accounts and sessions (3)',
  at: new Date().toISOString(),
  machine: {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
    loadAverageAtStart: loadAtStart,
  },
  database: databaseKind,
  argon2: {
    serverParams,
    hashMs: serverHash,
    verifyMs: serverVerify,
    verifiesPerSecond: verifyPerSecond,
    libraryDefaultParams: libraryDefault,
    libraryDefaultHashMs: defaultHash,
  },
  accessToken: {
    verifyUs,
    signUs,
    jwtVerifyKeyObjectUs: verifyKeyObjectUs,
    jwtVerifyStringSecretUs: verifyStringSecretUs,
    iterations: jwtIterations,
  },
  serverStartMs: startMs,
  logins,
  refusedLogins: refused,
  typename: typename && {
    concurrency: typenameConcurrency,
    guest: typename.guest,
    bearer: typename.bearer,
    /** Extra server-and-client time per request with a token, from the throughputs (µs). */
    extraUsPerRequest: round(1e6 / typename.bearer.perSecond - 1e6 / typename.guest.perSecond, 1),
    /** Extra server CPU per request with a token (µs). */
    extraServerCpuUsPerRequest: round(
      (typename.bearer.serverCpuMsPerRequest - typename.guest.serverCpuMsPerRequest) * 1000,
      1,
    ),
  },
};

const p = (s: string | number, n: number) => String(s).padStart(n);
const header =
  `  ${p('', 6)} ${p('logins/s', 9)} ${p('p50 ms', 8)} ${p('p99 ms', 8)} ${p('ok', 6)} ${p('fail', 4)}` +
  ` ${p('CPU ms/req srv+pg', 17)} ${p('CPU-bound/s', 11)}  cores srv/bench/pg/other`;
const row = (label: string, x: Phase) =>
  `  ${p(label, 6)} ${p(x.perSecond, 9)} ${p(x.p50Ms, 8)} ${p(x.p99Ms, 8)} ${p(x.ok, 6)} ${p(x.failed, 4)}` +
  ` ${p(`${x.serverCpuMsPerRequest}+${x.postgresCpuMsPerRequest}`, 17)} ${p(x.cpuBoundPerSecond, 11)}  ` +
  `${x.cpuCores.server}/${x.cpuCores.bench}/${x.cpuCores.postgres}/${x.cpuCores.other}`;
const lines = [
  `Accounts and sessions — ${report.machine.cpus} × ${report.machine.cpuModel}, node ${report.machine.node}, ${databaseKind} database (load at start ${loadAtStart})`,
  `argon2id m=${serverParams.memoryCost} t=${serverParams.timeCost} p=${serverParams.parallelism} (server default):` +
    ` hash median ${serverHash.median} ms, p90 ${serverHash.p90} ms; verify median ${serverVerify.median} ms, p90 ${serverVerify.p90} ms` +
    ` (n=${hashCount}; CPU ${serverHash.cpuMsEach} / ${serverVerify.cpuMsEach} ms each)`,
  `  verifies/s in this process: ${verifyPerSecond.inFlight1} with 1 in flight, ${verifyPerSecond.inFlight4} with 4`,
  `argon2id m=${libraryDefault.memoryCost} t=${libraryDefault.timeCost} p=${libraryDefault.parallelism} (library default):` +
    ` hash median ${defaultHash.median} ms, p90 ${defaultHash.p90} ms`,
  `access token (HS256): verify ${verifyUs} µs, sign ${signUs} µs` +
    ` (jwt.verify alone: ${verifyKeyObjectUs} µs with a KeyObject secret, ${verifyStringSecretUs} µs with a string)`,
  `server start (to /readyz 200): ${startMs} ms`,
  `logins over HTTP (${userCount} users, ${loginSeconds} s each); CPU per request of the server and its PostgreSQL backends, the rate ${report.machine.cpus} cores would allow at that cost, and cores used by the server / this client / PostgreSQL / anything else:`,
  header,
  ...logins.map((l) => row(String(l.concurrency), l)),
  ...(refused ? [row(`${refused.concurrency}*`, refused)] : []),
  ...(refused
    ? ['  * refused sign-ins (wrong password): the same lookup and verify, no session insert, no token']
    : []),
  ...(report.typename
    ? [
        `{ __typename } over HTTP, ${typenameConcurrency} concurrent, ${typenameSeconds} s each:`,
        header.replace('logins/s', '   req/s'),
        row('guest', report.typename.guest),
        row('bearer', report.typename.bearer),
        `  → a token adds ${report.typename.extraUsPerRequest} µs per request from throughput,` +
          ` ${report.typename.extraServerCpuUsPerRequest} µs of server CPU`,
      ]
    : []),
];
const failures = [
  ...logins,
  ...(refused ? [refused] : []),
  ...(typename ? [typename.guest, typename.bearer] : []),
].filter((x) => x.failed);
for (const f of failures) lines.push(`  ! ${f.failed} failed at concurrency ${f.concurrency}; first: ${f.firstError}`);
console.log(`\n${lines.join('\n')}`);

const dir = new URL('results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`auth-${report.at.replace(/[:.]/g, '-')}.json`, dir);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten: ${file.pathname}`);
