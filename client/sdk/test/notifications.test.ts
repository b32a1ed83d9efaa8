// client.notifications(): every new notification exactly once, against real servers, across a
// replica killed (SIGKILL) mid-stream, catching up from the inbox what came while the socket was down.
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from '../../../server/test/support/env.js';
import type { Notification } from '../src/index.js';
import { nodeClient, PASSWORD, replica, sleep, uniqueName, until, type Replica } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('client.notifications()', () => {
  it.runIf(hasPostgres && hasRedis)(
    'yields every new notification exactly once across a replica kill, and none from before it started',
    async () => {
      const env = { ...(await freshDatabaseEnv(cleanups, 'postgres')), REDIS_URL: redisUrl! };
      const replicas: Replica[] = await Promise.all([replica(env), replica(env)]);
      cleanups.push(() => Promise.all(replicas.map((r) => r.kill())).then(() => undefined));
      const [a, b] = replicas as [Replica, Replica];

      const sender = nodeClient(a.graphqlUrl);
      const reader = nodeClient([b.graphqlUrl, a.graphqlUrl]);
      cleanups.push(
        () => sender.close(),
        () => reader.close(),
      );
      await sender.register({ username: uniqueName('sender'), password: PASSWORD });
      const me = await reader.register({ username: uniqueName('reader'), password: PASSWORD });
      const room = await sender.createRoom({ name: uniqueName('inbox'), kind: 'PUBLIC' });
      await reader.room(room.id).join();
      const mention = (i: number) => sender.room(room.id).send(`@${me.user.username} number ${i}`);
      await mention(-1); // before the stream: not delivered

      const connections: string[] = [];
      reader.on('connected', ({ url }) => connections.push(url ?? ''));
      const received: Notification[] = [];
      const stream = reader.notifications({}, { next: (n) => received.push(n) });
      cleanups.push(async () => stream.close());
      await until(() => connections.length === 1, 10_000, 'the stream to connect to B');
      await sleep(300);

      for (let i = 0; i < 40; i++) {
        await mention(i);
        if (i === 14) {
          await until(() => received.length >= 10, 10_000, 'notifications before the kill');
          await b.kill('SIGKILL');
        }
        await sleep(10);
      }
      await until(() => received.length >= 40, 20_000, `all 40 notifications (got ${received.length})`);
      await sleep(3_000); // settle reads and anything repeated would show now
      expect(received.map((n) => n.message?.body)).toHaveLength(40);
      expect(new Set(received.map((n) => n.id)).size).toBe(40);
      const numbers = received.map((n) => Number(/number (-?\d+)/.exec(n.message!.body)![1]));
      expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(received.every((n) => n.kind === 'MENTION')).toBe(true);
      expect(connections.length).toBeGreaterThanOrEqual(2);
    },
    60_000,
  );
});
