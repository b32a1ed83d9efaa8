// Two builds of the server side by side: the replica CPU of a paced sendMessage on each, measured in
// the same seconds of the same machine. This 2-vCPU VM's speed drifts by 20–50 % over minutes, so
// two runs of bench/send-cpu.ts one after the other cannot tell a 5 % change; two servers measured
// in the same rounds can (this checkout against a copy of itself: a ratio of 1.000 over 6 rounds).
//
//   npx tsx bench/send-ab.ts --base <checkout> [--rounds 10] [--round 300] [--rate 50]
//        [--warm 3000] [--over http|ws] [--op send|react|edit|read] [--base-database-options '<-c settings>']
//        [--node-options '<flags>'] [--base-node-options '<flags>'] [--env K=V,…] [--base-env K=V,…]
//        [--watchers 0]
//
// <checkout>: another working tree of this repository, ready to run (for instance
// `git worktree add ../base <rev>`, then link its node_modules to this one's and copy
// server/src/generated). Each server (NODE_ENV=production, as deployed) gets a fresh PostgreSQL
// database and one sender on its own room. --warm sends go to each back to back first. Then each
// round sends --round messages to each server at --rate a second each, the two servers' sends
// alternating; it reports the CPU per send of both (user + system, /proc/<pid>/stat) and their ratio,
// and PostgreSQL's (its backends serving each server's database; PostgreSQL on this machine), and
// writes bench/results/send-ab-<timestamp>.json. --base-database-options: the base server's pool
// connects with these settings (DATABASE_URL's `options`), to compare a PostgreSQL setting with the
// same code on both sides (--base .). --node-options and --base-node-options: NODE_OPTIONS for this
// checkout's server and the base's, to compare a Node.js setting with the same code (--base .).
// --env and --base-env: more environment for this checkout's server and the base's (a server
// setting, e.g. RATE_LIMITS=on, which the benchmark servers otherwise run with off).
// --op react: instead of sending, each sender adds and removes (in turn) a reaction to a message of
// its room, with the web app's selection; the figures are then per reaction change. --op edit: each
// sender edits a message of its room, a new body each time; per edit. --op read: a
// second member marks the room read one message further each time (the messages are sent first),
// with the web app's selection; per markRead.
// --watchers N: N more members of the room, each with a socket on each server watching the room as
// the web app does (its selection of new messages, edits, reactions, receipts and joins, a viewer's
// fields of the room among them), so the figures include delivering each event to them.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { closeHttp } from './http.js';
import { cpuSeconds, sleep } from './live/common.js';
import { baseCheckout, cpuSpent, databaseCpu } from './side-by-side.js';
import { roomSender, type SenderOperation, sendOver } from './ws-sender.js';

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { arg, clamp, resultFile, startReplica } = await import('./seed-history.js');

const base = baseCheckout(arg('base', ''));
const over = sendOver(arg('over', 'http'));
const operation = arg('op', 'send') as SenderOperation;
if (!['send', 'react', 'edit', 'read'].includes(operation)) throw new Error('--op is send, react, edit or read');
const unit = { send: 'send', react: 'reaction change', edit: 'edit', read: 'markRead' }[operation];
const rounds = clamp(Number(arg('rounds', '10')), 1, 100);
const perRound = clamp(Number(arg('round', '300')), 2, 100_000);
const rate = clamp(Number(arg('rate', '50')), 1, 1_000);
const warm = clamp(Number(arg('warm', '3000')), 0, 100_000);
const watchers = clamp(Number(arg('watchers', '0')), 0, 1_000);
const baseDatabaseOptions = arg('base-database-options', '');
const nodeOptions = { head: arg('node-options', ''), base: arg('base-node-options', '') };
/** `K=V,K=V` as an environment. */
const envOf = (list: string): Record<string, string> =>
  Object.fromEntries(
    list
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.split('=')[0]!, pair.split('=').slice(1).join('=')]),
  );
const extraEnv = { head: envOf(arg('env', '')), base: envOf(arg('base-env', '')) };

const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();

/** A server from the working tree `cwd` (this one when undefined), with its database and sender. */
async function start(
  cwd: string | undefined,
  nodeOptions: string,
  extra: Record<string, string>,
  databaseOptions = '',
) {
  const db = await createPostgresDatabase();
  const url = new URL(db.url);
  const name = url.pathname.slice(1);
  if (databaseOptions) url.searchParams.set('options', `-c jit=off ${databaseOptions}`);
  const env = { ...extra, DATABASE_URL: url.toString(), REDIS_URL: process.env.REDIS_URL!, NODE_OPTIONS: nodeOptions };
  const replica = await startReplica(env, 120_000, cwd);
  const sender = await roomSender(replica.url, over, operation, warm + rounds * perRound);
  await sender.watch(watchers);
  return {
    pid: replica.process.child.pid!,
    /** CPU seconds of the PostgreSQL backends serving this server's database, by pid. */
    database: () => databaseCpu(admin, name),
    ...sender,
    async stop() {
      sender.close();
      await replica.stop();
      await db.drop();
    },
  };
}

const servers = {
  base: await start(base, nodeOptions.base, extraEnv.base, baseDatabaseOptions),
  head: await start(undefined, nodeOptions.head, extraEnv.head),
};
try {
  for (let i = 0; i < warm; i++) await Promise.all([servers.base.send(i), servers.head.send(i)]);
  type Round = { base: number; head: number; ratio: number; database: { base: number; head: number } };
  const results: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = { base: cpuSeconds(servers.base.pid), head: cpuSeconds(servers.head.pid) };
    const databaseBefore = { base: await servers.base.database(), head: await servers.head.database() };
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
    const databasePerSend = async (side: 'base' | 'head') =>
      (cpuSpent(databaseBefore[side], await servers[side].database()) * 1000) / perRound;
    const [baseCpu, headCpu] = [perSend('base'), perSend('head')];
    const round: Round = {
      base: baseCpu,
      head: headCpu,
      ratio: headCpu / baseCpu,
      database: { base: await databasePerSend('base'), head: await databasePerSend('head') },
    };
    results.push(round);
    console.log(
      `round ${r + 1}: base ${round.base.toFixed(3)} ms, this checkout ${round.head.toFixed(3)} ms of CPU per ${unit} (${round.ratio.toFixed(3)}); PostgreSQL ${round.database.base.toFixed(3)} and ${round.database.head.toFixed(3)} ms`,
    );
  }
  const mean = (of: (x: Round) => number) => results.reduce((sum, x) => sum + of(x), 0) / results.length;
  const summary = {
    base: Number(mean((x) => x.base).toFixed(3)),
    head: Number(mean((x) => x.head).toFixed(3)),
    ratio: Number((mean((x) => x.head) / mean((x) => x.base)).toFixed(3)),
    roundsLower: results.filter((x) => x.ratio < 1).length,
    database: {
      base: Number(mean((x) => x.database.base).toFixed(3)),
      head: Number(mean((x) => x.database.head).toFixed(3)),
      roundsLower: results.filter((x) => x.database.head < x.database.base).length,
    },
  };
  console.log(
    `mean: base ${summary.base} ms, this checkout ${summary.head} ms (${summary.ratio}); lower in ${summary.roundsLower} of ${rounds} rounds`,
  );
  console.log(
    `PostgreSQL: base ${summary.database.base} ms, this checkout ${summary.database.head} ms per ${unit}; lower in ${summary.database.roundsLower} of ${rounds} rounds`,
  );
  const file = resultFile('send-ab');
  writeFileSync(
    file,
    JSON.stringify(
      {
        base,
        baseDatabaseOptions,
        nodeOptions,
        extraEnv,
        over,
        operation,
        rounds,
        perRound,
        rate,
        warm,
        watchers,
        results,
        summary,
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${file}`);
} finally {
  closeHttp();
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  await admin.end();
}
