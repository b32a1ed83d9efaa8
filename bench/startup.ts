// Time from `npm start` to /readyz = 200 on the embedded default (first-ever start on an empty data
// folder, then warm starts on the same folder), and resident memory of the idle server on the
// embedded database and on PostgreSQL (DATABASE_URL, when set).
//   npx tsx bench/startup.ts [--runs 5]
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const root = new URL('..', import.meta.url).pathname;

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString().trim().split('\n');
  const pairs = out.map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const result: number[] = [];
  const walk = (p: number) => pairs.filter(([, pp]) => pp === p).forEach(([c]) => (result.push(c), walk(c)));
  walk(pid);
  return result;
}

/** Resident memory (MiB) of the server's node process under `npm start` (not npm's or the shell's). */
function rssOfServer(pid: number): number {
  let best = NaN;
  for (const child of descendants(pid)) {
    try {
      const cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8');
      if (!cmd.startsWith(process.execPath) && !cmd.startsWith('node')) continue;
      if (!cmd.includes('server/dist/main.js')) continue;
      const status = readFileSync(`/proc/${child}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
      if (!(rss <= best)) best = rss;
    } catch {
      /* gone */
    }
  }
  return best;
}

async function start(env: Record<string, string>, idleMs = 0) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: 'ignore',
    detached: true,
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  if (idleMs) await new Promise((r) => setTimeout(r, idleMs));
  const rss = rssOfServer(child.pid!);
  process.kill(-child.pid!, 'SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { ms, rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const firstEver: number[] = [];
const warm: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  firstEver.push((await start({ DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' })).ms);
  warm.push((await start({ DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' })).ms);
  rmSync(dir, { recursive: true, force: true });
}
const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
await start({ DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' });
const embedded = await start({ DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' }, 3000);
rmSync(dir, { recursive: true, force: true });
const postgres = process.env.DATABASE_URL ? await start({ DATABASE_URL: process.env.DATABASE_URL }, 3000) : null;

console.log(
  `npm start → /readyz 200, embedded, first-ever start: median ${median(firstEver).toFixed(0)} ms (runs: ${firstEver.map((x) => x.toFixed(0)).join(', ')})`,
);
console.log(
  `npm start → /readyz 200, embedded, warm start:       median ${median(warm).toFixed(0)} ms (runs: ${warm.map((x) => x.toFixed(0)).join(', ')})`,
);
console.log(`idle resident memory, embedded database: ${embedded.rss.toFixed(0)} MiB`);
if (postgres) console.log(`idle resident memory, PostgreSQL:        ${postgres.rss.toFixed(0)} MiB`);
