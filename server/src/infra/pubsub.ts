import { EventEmitter } from 'node:events';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * The pub/sub the server publishes events on: Redis when REDIS_URL is set (every replica sees every
 * event), in-process otherwise (one replica). Both are graphql-subscriptions PubSubEngines.
 */
export interface Bus {
  kind: 'redis' | 'memory';
  pubsub: PubSubEngine;
  /** A general-purpose Redis connection for shared state (presence, rate limits); null in memory mode. */
  redis: Redis | null;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function createRedis(
  url: string,
  log?: Logger,
  name = 'redis',
  waitForRedis = false,
  onReconnect?: () => void,
): Redis {
  const redis = new Redis(url, {
    connectionName: `chat-${name}`,
    // Commands fail fast while Redis is away, except on the subscriber connection, whose
    // SUBSCRIBE/UNSUBSCRIBE wait for it to come back (the library does not handle their failures).
    maxRetriesPerRequest: waitForRedis ? null : 2,
    // Keep retrying the connection for ever, backing off to 2 s; readiness reports the outage.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  redis.on('error', (error: Error) => log?.warn({ err: error.message, connection: name }, 'redis connection error'));
  if (onReconnect) redis.on('reconnecting', onReconnect);
  return redis;
}

export function openBus(redisUrl: string | undefined, log?: Logger, onReconnect?: () => void): Bus {
  if (!redisUrl) {
    // One listener per subscription on a channel: no limit on how many.
    const eventEmitter = new EventEmitter();
    eventEmitter.setMaxListeners(0);
    return {
      kind: 'memory',
      pubsub: new PubSub({ eventEmitter }),
      redis: null,
      ping: async () => undefined,
      close: async () => undefined,
    };
  }
  const publisher = createRedis(redisUrl, log, 'publisher', false, onReconnect);
  const subscriber = createRedis(redisUrl, log, 'subscriber', true, onReconnect);
  // RedisPubSub sends UNSUBSCRIBE and PUNSUBSCRIBE without handling their failure: one still pending
  // when the connection closes (the server stopping) would be an unhandled rejection. Their failure
  // changes nothing (a closed connection has no subscriptions left).
  for (const method of ['unsubscribe', 'punsubscribe'] as const) {
    const send = subscriber[method].bind(subscriber) as (...channels: string[]) => Promise<unknown>;
    subscriber[method] = ((...channels: string[]) => {
      const sent = send(...channels);
      sent.catch(() => undefined);
      return sent;
    }) as never;
  }
  const redis = createRedis(redisUrl, log, 'state', false, onReconnect);
  const pubsub = new RedisPubSub({ publisher, subscriber });
  return {
    kind: 'redis',
    pubsub,
    redis,
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.all([redis.ping(), publisher.ping()]),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      // Requests have drained by now; nothing is waiting on these connections.
      for (const connection of [publisher, subscriber, redis]) connection.disconnect();
    },
  };
}
