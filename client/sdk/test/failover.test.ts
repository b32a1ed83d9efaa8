// The SDK's headline against real servers: a room stream on replica B while messages are sent on
// replica A; B is killed (SIGKILL) mid-stream; the stream moves to A and yields every message exactly
// once, in order.
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { hasPostgres } from '../../../server/test/support/env.js';
import { sharedModes } from '../../../server/test/support/pubsub-modes.js';
import type { Message } from '../src/index.js';
import {
  contiguous,
  nodeClient,
  PASSWORD,
  replica,
  sleep,
  summary,
  uniqueName,
  until,
  type Replica,
} from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

// Every mode gets its suite, skipped where its services are missing (an empty file would fail).
describe.each(sharedModes)('a room stream when its replica is killed (PostgreSQL + $name)', (mode) => {
  it.runIf(mode.run && hasPostgres)(
    'reconnects to the other replica and yields every message exactly once, in order',
    async () => {
      const env = { ...(await freshDatabaseEnv(cleanups, 'postgres')), ...(await mode.env(cleanups)) };
      const replicas: Replica[] = await Promise.all([replica(env), replica(env)]);
      cleanups.push(() => Promise.all(replicas.map((r) => r.kill())).then(() => undefined));
      const [a, b] = replicas as [Replica, Replica];

      // The sender talks to A only; the reader's client knows both, B first.
      const sender = nodeClient(a.graphqlUrl);
      const reader = nodeClient([b.graphqlUrl, a.graphqlUrl]);
      cleanups.push(
        () => sender.close(),
        () => reader.close(),
      );
      await sender.register({ username: uniqueName('sender'), password: PASSWORD });
      await reader.register({ username: uniqueName('reader'), password: PASSWORD });
      const room = await sender.createRoom({ name: uniqueName('failover'), kind: 'PUBLIC' });
      await reader.room(room.id).join();

      const connections: string[] = [];
      const closes: { code: number; url: string | undefined }[] = [];
      reader.on('connected', ({ url }) => connections.push(url ?? ''));
      reader.on('closed', ({ code, url }) => closes.push({ code, url }));

      const stream = reader.room(room.id).messages();
      const received: Message[] = [];
      stream.onMessage((message) => received.push(message));
      await until(() => connections.length === 1 && stream.lastSeq === 0, 10_000, 'the stream to start on B');
      expect(connections[0]).toContain(`:${b.port}/`);

      // 100 messages, sent one after another through A: 30 before the kill, the rest during and after.
      const sent: Message[] = [];
      let killedAt = 0;
      const sending = (async () => {
        for (let i = 0; i < 100; i++) {
          sent.push(await sender.room(room.id).send(`message ${i}`));
          if (i === 29) {
            await until(() => received.length >= 20, 10_000, 'messages to arrive before the kill');
            killedAt = Date.now();
            await b.kill('SIGKILL');
          }
          await sleep(10);
        }
      })();
      await sending;
      await until(() => received.length >= 100, 20_000, `all 100 messages (got ${received.length})`);
      await sleep(500); // anything extra (a repeat) would show now

      const got = summary(received);
      expect(got.count).toBe(100);
      expect(got.distinctIds).toBe(100);
      expect(got.seqs).toEqual(sent.map((m) => m.seq));
      expect(contiguous(got.seqs)).toBe(true);
      expect(got.seqs[0]).toBe(1);
      expect(received.map((m) => m.id)).toEqual(sent.map((m) => m.id));

      // It really went through the failure: B's socket died, the stream reconnected to A and fetched the gap.
      expect(killedAt).toBeGreaterThan(0);
      expect(closes.some((c) => c.url?.includes(`:${b.port}/`) && c.code !== 1000)).toBe(true);
      expect(connections.at(-1)).toContain(`:${a.port}/`);
      expect(stream.stats.recovered).toBeGreaterThan(0);
      expect(stream.stats.delivered).toBe(100);
      stream.close();
    },
    180_000,
  );
});
