// Recovery after replica kills, as the SDK's users see it. Two server processes on PostgreSQL and
// Redis; one reader streams a room with `room(id).messages()`, knowing both replicas; a sender sends
// 20 messages a second through the other replica (so sending never stops); every 15 s the replica
// the reader is on is killed with SIGKILL (so alternately B, A, B…) and restarted at once, then given
// a few requests, as the traffic of other users would. Prints, for each kill, the time from the kill
// to the reader's reconnection and to the first message delivered after it (the first of those
// stored while it was away, fetched by messagesSince), and over the run the messages lost and
// duplicated (both must be 0). Exits 1 if any message was lost, repeated or out of order.
//
//   DATABASE_URL=postgresql://… REDIS_URL=redis://… npx tsx client/sdk/bench/recovery.ts [seconds] [every] [rate]
import { parseArgs } from 'node:util';
import { createPostgresDatabase } from '../../../server/test/support/databases.js';
import { adminDatabaseUrl, redisUrl } from '../../../server/test/support/env.js';
import type { Message } from '../src/index.js';
import { nodeClient, PASSWORD, replica, sleep, uniqueName, until, type Replica } from '../test/support.js';

const { positionals } = parseArgs({ allowPositionals: true });
const seconds = Number(positionals[0] ?? 60);
const killEvery = Number(positionals[1] ?? 15);
const rate = Number(positionals[2] ?? 20);
if (!adminDatabaseUrl || !redisUrl) {
  console.error('Set DATABASE_URL (PostgreSQL) and REDIS_URL: the replicas share both.');
  process.exit(2);
}

const db = await createPostgresDatabase();
const env = { DATABASE_URL: db.url, REDIS_URL: redisUrl };
const [a, b] = (await Promise.all([replica(env), replica(env)])) as [Replica, Replica];
const names = new Map([
  [a.port, 'A'],
  [b.port, 'B'],
]);
const nameOf = (url: string | undefined) => names.get(Number(/:(\d+)\//.exec(url ?? '')?.[1])) ?? '?';

const connections: { at: number; replica: string }[] = [];
/** The sender's replica: before each kill, the one that is not killed (up since the kill before). */
let senderOn = a;
const sender = nodeClient(() => senderOn.graphqlUrl);
const reader = nodeClient([b.graphqlUrl, a.graphqlUrl]);
await sender.register({ username: uniqueName('sender'), password: PASSWORD });
await reader.register({ username: uniqueName('reader'), password: PASSWORD });
const room = await sender.createRoom({ name: uniqueName('recovery'), kind: 'PUBLIC' });
await reader.room(room.id).join();

reader.on('connected', ({ url }) => connections.push({ at: performance.now(), replica: nameOf(url) }));
const closes: number[] = [];
reader.on('closed', () => closes.push(performance.now()));
const stream = reader.room(room.id).messages({ afterSeq: 0 });
const received: { message: Message; at: number }[] = [];
stream.onMessage((message) => received.push({ message, at: performance.now() }));
const recoveries: { at: number; count: number }[] = [];
stream.on('recovered', ({ count }) => recoveries.push({ at: performance.now(), count }));
await until(() => connections.length === 1 && stream.lastSeq === 0, 10_000, 'the stream to start');

const sent: Message[] = [];
let failedSends = 0;
const kills: { at: number; replica: string; lastSeqBefore: number }[] = [];
const started = performance.now();
const elapsed = () => performance.now() - started;

// The killer: every `killEvery` s, the replica the reader is connected to; restarted right away.
const killing = (async () => {
  for (let n = 1; n * killEvery < seconds; n++) {
    // A second ahead, the sender moves to the replica that stays (no send is in flight at the kill).
    await sleep(Math.max(0, (n * killEvery - 1) * 1000 - elapsed()));
    const victim = connections.at(-1)!.replica === 'A' ? a : b;
    senderOn = victim === a ? b : a;
    await sleep(Math.max(0, n * killEvery * 1000 - elapsed()));
    kills.push({ at: performance.now(), replica: nameOf(victim.graphqlUrl), lastSeqBefore: stream.lastSeq ?? 0 });
    await victim.kill('SIGKILL');
    console.log(`${(elapsed() / 1000).toFixed(1)} s: killed ${nameOf(victim.graphqlUrl)} (SIGKILL); restarting it`);
    await victim.start();
    // A restarted replica behind a load balancer serves other users at once; so does this one.
    const visitor = nodeClient(victim.graphqlUrl);
    for (let i = 0; i < 5; i++) await visitor.messagesSince({ roomId: room.id, afterSeq: 0, first: 10 });
    await visitor.close();
  }
})();

// The sender: `rate` messages a second, each acknowledged before the next.
for (let i = 0; elapsed() < seconds * 1000; i++) {
  await sleep(Math.max(0, (i * 1000) / rate - elapsed()));
  try {
    sent.push(await sender.room(room.id).send(`message ${i}`));
  } catch {
    failedSends++;
  }
}
await killing;
const lastSent = Math.max(...sent.map((m) => m.seq));
await until(() => (stream.lastSeq ?? 0) >= lastSent, 20_000, 'the reader to catch up').catch(() => undefined);
await sleep(1_000); // anything extra (a repeat) would show now

// ---- figures ----
const ids = received.map((r) => r.message.id);
const seqs = received.map((r) => r.message.seq);
const receivedIds = new Set(ids);
const lost = sent.filter((m) => !receivedIds.has(m.id)).length;
const duplicated = ids.length - receivedIds.size;
const inOrder = seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);

const rows = kills.map((kill, i) => {
  const reconnect = connections.find((c) => c.at > kill.at);
  const first = reconnect && received.find((r) => r.at >= reconnect.at && r.message.seq > kill.lastSeqBefore);
  const nextKill = kills[i + 1]?.at ?? Infinity;
  return {
    kill: `${((kill.at - started) / 1000).toFixed(1)} s: ${kill.replica}`,
    reconnectedTo: reconnect?.replica ?? '-',
    socketClosedMs: Math.round((closes.find((at) => at >= kill.at) ?? NaN) - kill.at),
    reconnectMs: reconnect ? Math.round(reconnect.at - kill.at) : null,
    firstRecoveredMs: first ? Math.round(first.at - kill.at) : null,
    /** lastSeq before the kill + 1 when nothing was skipped. */
    firstRecoveredSeq: first?.message.seq ?? null,
    lastSeqBeforeKill: kill.lastSeqBefore,
    /** Messages stored while the reader was away, delivered by gap recovery (messagesSince). */
    fetchedByGapRecovery: recoveries.filter((r) => r.at > kill.at && r.at < nextKill).reduce((n, r) => n + r.count, 0),
  };
});

console.log(`\nReplica-kill recovery: ${seconds} s, ${rate} msg/s, a SIGKILL every ${killEvery} s (alternating)\n`);
console.table(rows);
const recoveryTimes = rows.map((r) => r.firstRecoveredMs).filter((x): x is number => x !== null);
const summary = {
  sent: sent.length,
  failedSends,
  received: received.length,
  lost,
  duplicated,
  inOrder,
  recoveryMs: {
    each: recoveryTimes,
    max: Math.max(...recoveryTimes),
    mean: Math.round(recoveryTimes.reduce((sum, x) => sum + x, 0) / Math.max(1, recoveryTimes.length)),
  },
  stream: stream.stats,
};
console.log(JSON.stringify(summary, null, 2));

stream.close();
await Promise.all([sender.close(), reader.close()]);
await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
await db.drop();
process.exit(lost === 0 && duplicated === 0 && inOrder ? 0 : 1);
