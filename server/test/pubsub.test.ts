// The Redis pub/sub, at the edges: closing while commands are still on their way.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createRedis, openBus } from '../src/infra/pubsub.js';
import { hasRedis, redisUrl } from './support/env.js';

/** Runs `body`, and returns the unhandled rejections seen meanwhile and just after. */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return unhandled;
}

describe('the Redis pub/sub', () => {
  it.runIf(hasRedis)(
    'the subscriber connection takes a SUBSCRIBE sent the moment it connects, and logs nothing',
    async () => {
      // ioredis writes a SUBSCRIBE as soon as the socket connects; a ready check (INFO) after it is
      // refused on a connection in subscriber mode, which was logged at every start-up.
      const lines: string[] = [];
      const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
      const subscriber = createRedis(redisUrl!, log, 'subscriber', true);
      const subscribed = new Promise((resolve, reject) =>
        subscriber.once('connect', () => subscriber.subscribe('chat:test:on-connect').then(resolve, reject)),
      );
      await subscribed;
      await new Promise((resolve) => setTimeout(resolve, 200));
      subscriber.disconnect();
      expect(lines).toEqual([]);
    },
  );

  it.runIf(hasRedis)('closes cleanly with a SUBSCRIBE and an UNSUBSCRIBE still on their way', async () => {
    const unhandled = await unhandledDuring(async () => {
      const bus = openBus({ redisUrl });
      const first = bus.pubsub.subscribe('chat:test:a', () => undefined, {});
      const second = bus.pubsub.subscribe('chat:test:b', () => undefined, {});
      bus.pubsub.unsubscribe(await first);
      void second.catch(() => undefined);
      await bus.close();
    });
    expect(unhandled).toEqual([]);
  });

  it('closes within about a second when Redis cannot be reached', async () => {
    const unhandled = await unhandledDuring(async () => {
      const bus = openBus({ redisUrl: 'redis://127.0.0.1:1' }); // nothing listens on port 1
      void bus.pubsub.subscribe('chat:test', () => undefined, {}).catch(() => undefined);
      const started = Date.now();
      await bus.close();
      expect(Date.now() - started).toBeLessThan(3_000);
    });
    expect(unhandled).toEqual([]);
  });
});
