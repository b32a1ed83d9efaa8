// The replica CPU of one sendMessage at a time, from the moment the server starts: how much a send
// costs while the JIT warms up, once it has, and paced (the process idle between sends) instead of
// back to back. One server process (NODE_ENV=production, as deployed) on a fresh PostgreSQL
// database; one sender on one kept-alive HTTP connection or one graphql-ws socket.
//
//   npx tsx bench/send-cpu.ts [--over http|ws] [--windows 12] [--window 500] [--rate 0]
//        [--then-rate 50] [--then 600] [--profile] [--node-options '<flags>']
//
// --windows × --window sends back to back (or at --rate a second), reporting the server's CPU per
// send (user + system, /proc/<pid>/stat) for each window; then --then sends at --then-rate a second
// (0: none), now warm. Writes bench/results/send-cpu-<timestamp>.json. --profile: the server runs
// with the V8 inspector on loopback, and the paced sends are sampled by its CPU profiler (1 kHz),
// written beside the results as .cpuprofile (summarised by bench/live/profile-summary.ts).
// --node-options: NODE_OPTIONS for the server (--perf-basic-prof, for `perf record -p <pid>`).
import { writeFileSync } from 'node:fs';
import { closeHttp } from './http.js';
import { inspect, startCpuProfile } from './inspector.js';
import { cpuSeconds, sleep } from './live/common.js';
import { type RoomSender, roomSender, sendOver } from './ws-sender.js';

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { arg, clamp, flag, freePort, resultFile, startReplica } = await import('./seed-history.js');

const over = sendOver(arg('over', 'http'));
const windows = clamp(Number(arg('windows', '12')), 1, 100);
const perWindow = clamp(Number(arg('window', '500')), 1, 100_000);
const rate = clamp(Number(arg('rate', '0')), 0, 10_000);
const thenRate = clamp(Number(arg('then-rate', '50')), 0, 10_000);
const thenSends = clamp(Number(arg('then', '600')), 0, 100_000);
const profile = flag('profile');
const nodeOptions = arg('node-options', '');

const db = await createPostgresDatabase();
const inspectorPort = profile ? await freePort() : 0;
const replica = await startReplica({
  DATABASE_URL: db.url,
  REDIS_URL: process.env.REDIS_URL,
  NODE_OPTIONS: [nodeOptions, profile ? `--inspect=127.0.0.1:${inspectorPort}` : ''].join(' ').trim(),
});
const { url } = replica;
const pid = replica.process.child.pid!;
console.log(`server pid ${pid}`);

let sender: RoomSender | undefined;
try {
  sender = await roomSender(url, over);
  const { send } = sender;

  /** `count` sends, back to back or `perSecond` a second; the server's CPU per send in ms. */
  async function measure(count: number, perSecond: number): Promise<number> {
    const before = cpuSeconds(pid);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      if (perSecond > 0) await sleep(Math.max(0, t0 + (i * 1000) / perSecond - performance.now()));
      await send(i);
    }
    return ((cpuSeconds(pid) - before) * 1000) / count;
  }

  const curve: number[] = [];
  for (let w = 0; w < windows; w++) {
    curve.push(Number((await measure(perWindow, rate)).toFixed(3)));
    console.log(`sends ${w * perWindow + 1}–${(w + 1) * perWindow}: ${curve.at(-1)} ms of CPU per send`);
  }
  const inspector = profile ? await inspect(inspectorPort) : undefined;
  const stopProfile = inspector && (await startCpuProfile(inspector));
  const warmPaced = thenSends && thenRate ? Number((await measure(thenSends, thenRate)).toFixed(3)) : null;
  const sampled = await stopProfile?.();
  inspector?.close();
  if (warmPaced !== null) console.log(`then ${thenSends} at ${thenRate}/s: ${warmPaced} ms of CPU per send`);

  const file = resultFile('send-cpu');
  if (sampled) {
    writeFileSync(file.replace(/\.json$/, '.cpuprofile'), JSON.stringify(sampled));
    console.log(`profile of the paced sends in ${file.replace(/\.json$/, '.cpuprofile')}`);
  }
  writeFileSync(
    file,
    JSON.stringify(
      { over, windows, perWindow, rate, curve, thenRate, thenSends, warmPaced, node: process.version },
      null,
      2,
    ),
  );
  console.log(`wrote ${file}`);
} finally {
  sender?.close();
  closeHttp();
  await replica.stop();
  await db.drop();
}
