// Two builds of the server side by side: the replica CPU of a paced sendMessage on each, measured in
// the same seconds of the same machine. This 2-vCPU VM's speed drifts by 20–50 % over minutes, so
// two runs of bench/send-cpu.ts one after the other cannot tell a 5 % change; two servers measured
// in the same rounds can (this checkout against a copy of itself: a ratio of 1.000 over 6 rounds).
//
//   npx tsx bench/send-ab.ts --base <checkout> [--rounds 10] [--round 300] [--rate 50]
//        [--warm 3000] [--over http|ws]
//
// <checkout>: another working tree of this repository, ready to run (for instance
// `git worktree add ../base <rev>`, then link its node_modules to this one's and copy
// server/src/generated). Each server (NODE_ENV=production, as deployed) gets a fresh PostgreSQL
// database and one sender on its own room. --warm sends go to each back to back first. Then each
// round sends --round messages to each server at --rate a second each, the two servers' sends
// alternating; it reports the CPU per send of both (user + system, /proc/<pid>/stat) and their ratio,
// and writes bench/results/send-ab-<timestamp>.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeHttp } from './http.js';
import { cpuSeconds, sleep } from './live/common.js';
import { roomSender } from './ws-sender.js';

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { arg, resultsDir, startReplica } = await import('./seed-history.js');

const clamp = (x: number, lo: number, hi: number) => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo);
const base = resolve(arg('base', ''));
if (!arg('base', '') || !existsSync(resolve(base, 'server/src/main.ts'))) {
  throw new Error('--base: the path of another working tree of this repository');
}
const overArg = arg('over', 'http');
if (overArg !== 'http' && overArg !== 'ws') throw new Error('--over is http or ws');
const over: 'http' | 'ws' = overArg;
const rounds = clamp(Number(arg('rounds', '10')), 1, 100);
const perRound = clamp(Number(arg('round', '300')), 2, 100_000);
const rate = clamp(Number(arg('rate', '50')), 1, 1_000);
const warm = clamp(Number(arg('warm', '3000')), 0, 100_000);
const here = fileURLToPath(new URL('../', import.meta.url));

async function start(cwd: string) {
  const db = await createPostgresDatabase();
  const replica = await startReplica({ DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL! }, 120_000, cwd);
  const sender = await roomSender(replica.url, over);
  return {
    pid: replica.process.child.pid!,
    ...sender,
    async stop() {
      sender.close();
      await replica.stop();
      await db.drop();
    },
  };
}

const servers = { base: await start(base), head: await start(here) };
try {
  for (let i = 0; i < warm; i++) await Promise.all([servers.base.send(i), servers.head.send(i)]);
  const results: { base: number; head: number; ratio: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = { base: cpuSeconds(servers.base.pid), head: cpuSeconds(servers.head.pid) };
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) {
      // Each server hears one send every 1/rate s; the other's falls halfway between, first one then the other.
      const [first, second] = i % 2 ? [servers.base, servers.head] : [servers.head, servers.base];
      await sleep(Math.max(0, t0 + (i * 1000) / rate - performance.now()));
      await first.send(i);
      await sleep(Math.max(0, t0 + ((i + 0.5) * 1000) / rate - performance.now()));
      await second.send(i);
    }
    const perSend = (side: 'base' | 'head') => ((cpuSeconds(servers[side].pid) - before[side]) * 1000) / perRound;
    const round = { base: perSend('base'), head: perSend('head'), ratio: 0 };
    round.ratio = round.head / round.base;
    results.push(round);
    console.log(
      `round ${r + 1}: base ${round.base.toFixed(3)} ms, this checkout ${round.head.toFixed(3)} ms of CPU per send (${round.ratio.toFixed(3)})`,
    );
  }
  const mean = (side: 'base' | 'head') => results.reduce((sum, x) => sum + x[side], 0) / results.length;
  const summary = {
    base: Number(mean('base').toFixed(3)),
    head: Number(mean('head').toFixed(3)),
    ratio: Number((mean('head') / mean('base')).toFixed(3)),
    roundsLower: results.filter((x) => x.ratio < 1).length,
  };
  console.log(
    `mean: base ${summary.base} ms, this checkout ${summary.head} ms (${summary.ratio}); lower in ${summary.roundsLower} of ${rounds} rounds`,
  );
  mkdirSync(resultsDir, { recursive: true });
  const file = fileURLToPath(new URL(`send-ab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, resultsDir));
  writeFileSync(file, JSON.stringify({ base, over, rounds, perRound, rate, warm, results, summary }, null, 2));
  console.log(`wrote ${file}`);
} finally {
  closeHttp();
  await Promise.all(Object.values(servers).map((s) => s.stop()));
}
