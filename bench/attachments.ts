// Attachments (issue 15): upload throughput of a 20 MiB file, the server's peak RSS during 4
// concurrent uploads of 1 MiB and of 20 MiB files, and the time to measure and thumbnail a
// 12-megapixel JPEG, on the local-disk store and on S3 (s3rver, started here, on loopback).
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx bench/attachments.ts [--runs 5]
//
// The server runs as operators start it (a child process of `node server/dist/main.js, compiled first`);
// its RSS is read from /proc every 10 ms.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { describeImage } from '../server/src/storage/images.js';
import { createDataDir, freshDatabaseEnv } from '../server/test/support/databases.js';
import { startLocalS3 } from '../server/test/support/s3.js';
import { spawnServer } from '../server/test/support/server.js';
import { registerUser } from '../server/test/support/users.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const MiB = 1024 * 1024;
const UPLOAD = 'mutation ($input: UploadAttachmentInput!) { uploadAttachment(input: $input) { id size width height } }';

const cleanups: (() => Promise<void>)[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** The highest RSS of `pid` while `work` runs (sampled every 10 ms). */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = await rssOf(pid);
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rssOf(pid));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = await work();
  running = false;
  await sampler;
  return { peak, result };
}

async function upload(url: string, token: string, roomId: string, bytes: Buffer, filename: string, type = '') {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: UPLOAD, variables: { input: { roomId, file: null } } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.set('0', new Blob([new Uint8Array(bytes)], { type }), filename);
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'x-graphql-csrf': '1' },
    body: form,
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

async function main() {
  const jpeg = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
  const dir = await mkdtemp(join(tmpdir(), 'bench-att-'));
  const jpegPath = join(dir, 'photo.jpg');
  await writeFile(jpegPath, jpeg);
  // In this process, the image work alone: sharp reading the header, then decoding and resizing.
  const thumbTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await describeImage(jpegPath, 50_000_000);
    thumbTimes.push(performance.now() - started);
  }
  console.log(
    `12 MP JPEG (${(jpeg.length / MiB).toFixed(1)} MiB): measure + 320 px thumbnail, median of ${runs}: ${median(thumbTimes).toFixed(0)} ms (${thumbTimes.map((t) => t.toFixed(0)).join(' · ')})`,
  );

  const big = randomBytes(20 * MiB);
  const small = randomBytes(MiB);
  for (const kind of ['local', 's3'] as const) {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const storeEnv = kind === 's3' ? (await startLocalS3(cleanups)).env : {};
    const env = {
      ...(await freshDatabaseEnv(cleanups)),
      DATA_DIR: data.dir,
      ...storeEnv,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info', // spawnServer waits for the "server listening" line
      NODE_ENV: 'production',
      GRAPHIQL: 'false',
    };
    const server = spawnServer(env);
    cleanups.push(async () => {
      server.kill();
      await server.exited;
    });
    const url = await server.ready;
    const pid = server.child.pid!;
    const user = await registerUser(url);
    const room = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
      body: JSON.stringify({
        query: 'mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id } }',
        variables: { i: { name: `bench ${kind} ${Date.now()}`, kind: 'PUBLIC' } },
      }),
    }).then((r) => r.json() as Promise<{ data: { createRoom: { id: string } } }>);
    const roomId = room.data.createRoom.id;
    await upload(url, user.accessToken, roomId, small, 'warm.bin'); // warm-up

    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await upload(url, user.accessToken, roomId, big, 'big.bin');
      times.push(performance.now() - started);
    }
    const rates = times.map((ms) => 20 / (ms / 1000));
    console.log(
      `[${kind}] 20 MiB upload, median of ${runs}: ${median(rates).toFixed(1)} MiB/s (${median(times).toFixed(0)} ms; ${rates.map((r) => r.toFixed(1)).join(' · ')})`,
    );
    const jpegTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await upload(url, user.accessToken, roomId, jpeg, 'photo.jpg', 'image/jpeg');
      jpegTimes.push(performance.now() - started);
    }
    console.log(
      `[${kind}] 12 MP JPEG upload end to end (sniff, measure, thumbnail, store), median: ${median(jpegTimes).toFixed(0)} ms`,
    );
    for (const [label, bytes] of [
      ['1 MiB', small],
      ['20 MiB', big],
    ] as const) {
      const idle = await rssOf(pid);
      const { peak } = await peakRss(pid, () =>
        Promise.all(Array.from({ length: 4 }, (_, i) => upload(url, user.accessToken, roomId, bytes, `c${i}.bin`))),
      );
      console.log(
        `[${kind}] 4 concurrent ${label} uploads: RSS before ${(idle / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - idle) / MiB).toFixed(0)} MiB)`,
      );
    }
  }
}

try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
