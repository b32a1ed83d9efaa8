// Streams fetch what they missed when the server says their subscription listens: after the
// server's pub/sub was lost and came back, with the client's socket open all along, a room stream
// and the notification stream deliver what was stored meanwhile, with no timed guesses.
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from '../../../server/test/support/env.js';
import { throughProxy } from '../../../server/test/support/proxy.js';
import { startServer } from '../../../server/test/support/server.js';
import type { Message, Notification, RecoveryReason } from '../src/index.js';
import { nodeClient, PASSWORD, uniqueName, until } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('streams when the server’s pub/sub is lost and back', () => {
  it.runIf(hasPostgres && hasRedis)(
    'deliver what was stored meanwhile, once, in order, on the same socket',
    async () => {
      const { proxy, url } = await throughProxy(redisUrl!, cleanups);
      const server = await startServer({
        ...(await freshDatabaseEnv(cleanups, 'postgres')),
        REDIS_URL: url,
      });
      cleanups.push(server.stop);

      const sender = nodeClient(server.graphqlUrl);
      const reader = nodeClient(server.graphqlUrl);
      cleanups.push(
        () => sender.close(),
        () => reader.close(),
      );
      await sender.register({ username: uniqueName('sender'), password: PASSWORD });
      const me = await reader.register({ username: uniqueName('reader'), password: PASSWORD });
      const room = await sender.createRoom({ name: uniqueName('outage'), kind: 'PUBLIC' });
      await reader.room(room.id).join();

      let connections = 0;
      reader.on('connected', () => connections++);
      const stream = reader.room(room.id).messages();
      const received: Message[] = [];
      const reasons: RecoveryReason[] = [];
      stream.onMessage((message) => received.push(message));
      stream.on('recovered', ({ reason }) => reasons.push(reason));
      const notified: Notification[] = [];
      const notifications = reader.notifications({}, { next: (n) => notified.push(n) });
      cleanups.push(async () => notifications.close());

      const first = await sender.room(room.id).send('before the outage');
      await until(() => received.length === 1, 10_000, 'the first message, live');
      const mention = await sender.room(room.id).send(`@${me.user.username} heard live`);
      await until(() => notified.length === 1 && received.length === 2, 10_000, 'the first mention, live');

      proxy.down();
      const during = [
        await sender.room(room.id).send('during 1'),
        await sender.room(room.id).send(`@${me.user.username} during 2`),
      ];
      proxy.up();

      await until(
        () => received.length === 4,
        15_000,
        `the messages stored during the outage (got ${received.length})`,
      );
      await until(() => notified.length === 2, 15_000, `the mention made during the outage (got ${notified.length})`);
      const last = await sender.room(room.id).send('after the outage');
      await until(() => received.length === 5, 10_000, 'the message after, live');

      expect(received.map((m) => m.id)).toEqual([first, mention, ...during, last].map((m) => m.id));
      expect(notified.map((n) => n.message?.id)).toEqual([mention.id, during[1]!.id]);
      // Nothing reconnected: the socket stayed open, and the server said when to look.
      expect(connections).toBe(1);
      expect(reasons).toContain('listening');
      stream.close();
    },
    60_000,
  );
});
