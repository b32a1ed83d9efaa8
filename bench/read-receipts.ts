// What read receipts cost a replica in a room where every member watches and reads, as the web app
// does: each member's socket subscribes to roomEvents (the web app's selection of a new message and
// of a receipt) and, 300 ms after the newest message it heard, marks the room read over that
// socket. One member sends --messages messages over HTTP, one every --interval ms. Run once with
// receipts shared with the room (READ_RECEIPTS_MAX_MEMBERS above the room's size) and once kept to
// each reader (below it), on one server process (NODE_ENV=production) on a fresh PostgreSQL
// database and Redis, each setting --rounds times, alternating.
//
//   npx tsx bench/read-receipts.ts [--members 40] [--messages 40] [--interval 600] [--rounds 2]
//        [--profile]
//
// Reports per message sent: frames delivered (messages, receipts), the server's CPU (user +
// system, /proc/<pid>/stat) and that of the PostgreSQL backends serving its database, from the
// first send to the last receipt. Writes
// bench/results/read-receipts-<timestamp>.json. --profile: the server runs with the V8 inspector on
// loopback and the measured part of each run is sampled by its CPU profiler (1 kHz), written beside
// the results as .cpuprofile, one per run (summarised by bench/live/profile-summary.ts).
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { inspect, startCpuProfile } from './inspector.js';
import { cpuSeconds, sleep } from './live/common.js';
import { cpuSpent, databaseCpu } from './side-by-side.js';
import { MARK_READ } from './ws-sender.js';

process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
const { createPostgresDatabase } = await import('../server/test/support/databases.js');
const { chatClient } = await import('../server/test/support/chat.js');
const { registerUser } = await import('../server/test/support/users.js');
const { connect } = await import('../server/test/support/live.js');
const { arg, clamp, flag, freePort, resultFile, startReplica } = await import('./seed-history.js');

const members = clamp(Number(arg('members', '40')), 2, 1_000);
const messages = clamp(Number(arg('messages', '40')), 1, 10_000);
const intervalMs = clamp(Number(arg('interval', '600')), 0, 60_000);
const rounds = clamp(Number(arg('rounds', '2')), 1, 20);
const profile = flag('profile');
const file = resultFile('read-receipts');

const ROOM_EVENTS = `subscription ($roomId: ID!) { roomEvents(roomId: $roomId) {
  __typename
  ... on MessageCreated { message { id seq body createdAt author { id username displayName } } }
  ... on ReadReceipt { room { id } user { id username displayName } lastReadSeq }
} }`;

interface Outcome {
  setting: 'shared' | 'reader only';
  round: number;
  messageFrames: number;
  receiptFrames: number;
  markReads: number;
  cpuMs: number;
  databaseCpuMs: number;
  seconds: number;
}

async function run(setting: Outcome['setting'], round: number): Promise<Outcome> {
  const db = await createPostgresDatabase();
  const inspectorPort = profile ? await freePort() : 0;
  const replica = await startReplica({
    ...(profile ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` } : {}),
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL!,
    READ_RECEIPTS_MAX_MEMBERS: String(setting === 'shared' ? members : members - 1),
  });
  const sockets: { dispose(): Promise<void> }[] = [];
  try {
    const users = await Promise.all(Array.from({ length: members }, () => registerUser(replica.url)));
    const owner = chatClient(replica.url, users[0]!.accessToken);
    const roomId = (await owner.createRoom(`receipts-${users[0]!.user.username}`)).data!.createRoom.id as string;
    for (const user of users.slice(1)) await chatClient(replica.url, user.accessToken).joinRoom({ roomId });
    let messageFrames = 0;
    let receiptFrames = 0;
    let markReads = 0;
    let lastFrameAt = 0;
    const wsUrl = `${replica.url.replace(/^http/, 'ws')}/graphql`;
    const heard = users.map(() => 0);
    users.forEach((user, i) => {
      const socket = connect(wsUrl, user.accessToken);
      sockets.push(socket);
      const { client } = socket;
      let timer: NodeJS.Timeout | undefined;
      client.subscribe(
        { query: ROOM_EVENTS, variables: { roomId } },
        {
          next: ({ data }) => {
            const event = data?.roomEvents as
              { __typename: string; message?: { seq: number; author: { id: string } } } | undefined;
            lastFrameAt = performance.now();
            if (event?.__typename === 'ReadReceipt') receiptFrames++;
            if (event?.__typename !== 'MessageCreated') return;
            messageFrames++;
            heard[i]!++;
            // The web app: 300 ms after the newest message, the room is marked read; not for the
            // viewer's own message (sending moved their read position).
            if (event.message!.author.id === user.user.id) return;
            const seq = event.message!.seq;
            clearTimeout(timer);
            timer = setTimeout(() => {
              markReads++;
              client.subscribe({ query: MARK_READ, variables: { i: { roomId, seq } } }, NOOP);
            }, 300);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    });
    // Subscriptions start asynchronously: warm-up messages until every socket heard one; then the
    // room settles (its receipts arrive) before the measured part.
    while (heard.some((count) => count === 0)) {
      await owner.send(roomId, 'warm-up');
      await sleep(200);
    }
    await sleep(1_500);
    messageFrames = 0;
    receiptFrames = 0;
    markReads = 0;
    const pid = replica.process.child.pid!;
    const inspector = profile ? await inspect(inspectorPort) : undefined;
    const stopProfile = inspector && (await startCpuProfile(inspector));
    const database = () => databaseCpu(admin, new URL(db.url).pathname.slice(1));
    const databaseBefore = await database();
    const cpuBefore = cpuSeconds(pid);
    const t0 = performance.now();
    for (let n = 0; n < messages; n++) {
      await sleep(Math.max(0, t0 + n * intervalMs - performance.now()));
      await owner.send(roomId, `message ${n}`);
    }
    // Wait for the last receipts: nothing heard for a second.
    while (performance.now() - lastFrameAt < 1_000) await sleep(100);
    const cpuMs = (cpuSeconds(pid) - cpuBefore) * 1000;
    const databaseCpuMs = cpuSpent(databaseBefore, await database()) * 1000;
    const sampled = await stopProfile?.();
    inspector?.close();
    if (sampled) {
      const name = file.replace(/\.json$/, `-${setting.replace(' ', '-')}-${round}.cpuprofile`);
      writeFileSync(name, JSON.stringify(sampled));
      console.log(`profile in ${name}`);
    }
    return {
      setting,
      round,
      messageFrames,
      receiptFrames,
      markReads,
      cpuMs,
      databaseCpuMs,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await replica.stop();
    await db.drop();
  }
}

const NOOP = { next: () => undefined, error: () => undefined, complete: () => undefined };

const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();
const outcomes: Outcome[] = [];
for (let round = 1; round <= rounds; round++) {
  const order: Outcome['setting'][] = round % 2 ? ['shared', 'reader only'] : ['reader only', 'shared'];
  for (const setting of order) {
    const outcome = await run(setting, round);
    outcomes.push(outcome);
    const per = (x: number) => (x / messages).toFixed(1);
    console.log(
      `${setting.padEnd(11)} round ${round}: per message ${per(outcome.messageFrames)} message frames, ` +
        `${per(outcome.receiptFrames)} receipt frames, ${per(outcome.markReads)} markReads, ` +
        `${(outcome.cpuMs / messages).toFixed(2)} ms of server CPU, ` +
        `${(outcome.databaseCpuMs / messages).toFixed(2)} ms of PostgreSQL's`,
    );
  }
}
await admin.end();
writeFileSync(file, JSON.stringify({ members, messages, intervalMs, rounds, outcomes }, null, 2));
console.log(`wrote ${file}`);
