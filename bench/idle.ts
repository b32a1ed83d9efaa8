// What an idle replica costs: its CPU, and PostgreSQL's for it (the backends serving its database),
// with no client connected, after a settle period. With --base, another working tree's server runs
// beside this one's, measured in the same seconds (this machine's speed drifts; see send-ab.ts).
//
//   npx tsx bench/idle.ts [--base <checkout>] [--rounds 4] [--window 20] [--settle 15]
//
// Each server (NODE_ENV=production, as deployed) gets a fresh PostgreSQL database and the Redis at
// REDIS_URL. Each round reads both parties' CPU (/proc/<pid>/stat, user + system) over --window
// seconds; writes bench/results/idle-<timestamp>.json.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { cpuSeconds, sleep } from './live/common.js';
import { baseCheckout, cpuSpent, databaseCpu } from './side-by-side.js';

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { arg, clamp, resultFile, startReplica } = await import('./seed-history.js');

const baseArg = arg('base', '');
const base = baseArg ? baseCheckout(baseArg) : undefined;
const rounds = clamp(Number(arg('rounds', '4')), 1, 100);
const windowSeconds = clamp(Number(arg('window', '20')), 1, 600);
const settleSeconds = clamp(Number(arg('settle', '15')), 0, 600);

const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();

/** A server from the working tree `cwd` (this one when undefined) on a database of its own. */
async function start(name: string, cwd: string | undefined) {
  const db = await createPostgresDatabase();
  const replica = await startReplica({ DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL! }, 120_000, cwd);
  const database = new URL(db.url).pathname.slice(1);
  return {
    name,
    pid: replica.process.child.pid!,
    /** CPU seconds of the PostgreSQL backends serving this server's database, by pid. */
    databaseCpu: () => databaseCpu(admin, database),
    async stop() {
      await replica.stop();
      await db.drop();
    },
  };
}

const servers = [...(base ? [await start('base', base)] : []), await start('this checkout', undefined)];
try {
  await sleep(settleSeconds * 1000);
  type Reading = { name: string; replicaMsPerSecond: number; databaseMsPerSecond: number };
  const results: Reading[][] = [];
  for (let r = 0; r < rounds; r++) {
    const before = await Promise.all(
      servers.map(async (s) => ({ replica: cpuSeconds(s.pid), database: await s.databaseCpu() })),
    );
    await sleep(windowSeconds * 1000);
    const round = await Promise.all(
      servers.map(async (s, i) => ({
        name: s.name,
        replicaMsPerSecond: ((cpuSeconds(s.pid) - before[i]!.replica) * 1000) / windowSeconds,
        databaseMsPerSecond: (cpuSpent(before[i]!.database, await s.databaseCpu()) * 1000) / windowSeconds,
      })),
    );
    results.push(round);
    console.log(
      `round ${r + 1}: ` +
        round
          .map(
            (x) => `${x.name} ${x.replicaMsPerSecond.toFixed(2)} ms/s, PostgreSQL ${x.databaseMsPerSecond.toFixed(2)}`,
          )
          .join(' · '),
    );
  }
  const summary = servers.map((s, i) => ({
    name: s.name,
    replicaMsPerSecond: Number((results.reduce((sum, x) => sum + x[i]!.replicaMsPerSecond, 0) / rounds).toFixed(2)),
    databaseMsPerSecond: Number((results.reduce((sum, x) => sum + x[i]!.databaseMsPerSecond, 0) / rounds).toFixed(2)),
  }));
  console.log(
    `mean: ${summary.map((x) => `${x.name} ${x.replicaMsPerSecond} ms/s, PostgreSQL ${x.databaseMsPerSecond}`).join(' · ')}`,
  );
  const file = resultFile('idle');
  writeFileSync(file, JSON.stringify({ base: baseArg || null, rounds, windowSeconds, results, summary }, null, 2));
  console.log(`wrote ${file}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await admin.end();
}
