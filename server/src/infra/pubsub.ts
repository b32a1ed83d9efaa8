import { EventEmitter } from 'node:events';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';
import { ShardedPubSub } from './sharded-pubsub.js';
import { withTimeout } from './timeout.js';

/** Redis for shared state: one server, or a cluster (keys that go together share a {hash tag}). */
export type SharedRedis = Redis | Cluster;

/**
 * The pub/sub the server publishes events on: Redis when REDIS_URL is set (every replica sees every
 * event), a Redis Cluster's sharded pub/sub when REDIS_CLUSTER_NODES is (each replica hears the
 * channels it listens on, from the shard that owns each), in-process otherwise (one replica). All
 * are graphql-subscriptions PubSubEngines.
 */
export interface Bus {
  kind: 'redis' | 'cluster' | 'memory';
  pubsub: PubSubEngine;
  /** A general-purpose Redis connection for shared state (presence, rate limits); null in memory mode. */
  redis: SharedRedis | null;
  ping(timeoutMs?: number): Promise<void>;
  /**
   * Calls `listener` whenever a connection that listens was lost and is back with all its channels
   * listened to again: what was published meanwhile never arrived.
   */
  onResumed(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * A Redis connection. `subscriber`: the connection that only (un)subscribes. Its SUBSCRIBE can go
 * out as soon as the socket connects, before ioredis's ready check (INFO), which Redis then refuses
 * on a connection in subscriber mode: so the subscriber makes no ready check (pub/sub works while
 * Redis loads its data anyway).
 */
export function createRedis(
  url: string,
  log?: Logger,
  name = 'redis',
  subscriber = false,
  onReconnect?: () => void,
): Redis {
  const redis = new Redis(url, {
    connectionName: `chat-${name}`,
    enableReadyCheck: !subscriber,
    // Commands fail fast while Redis is away, except on the subscriber connection, whose
    // SUBSCRIBE/UNSUBSCRIBE wait for it to come back (the library does not handle their failures).
    maxRetriesPerRequest: subscriber ? null : 2,
    // Keep retrying the connection for ever, backing off to 2 s; readiness reports the outage.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  redis.on('error', (error: Error) => log?.warn({ err: error.message, connection: name }, 'redis connection error'));
  if (onReconnect) redis.on('reconnecting', onReconnect);
  return redis;
}

/**
 * RedisPubSub, without the promises it leaves unhandled. A SUBSCRIBE, UNSUBSCRIBE or PUNSUBSCRIBE
 * still waiting when the connection closes (the server stopping; Redis away) fails, and the library
 * does not handle the failure of UNSUBSCRIBE and PUNSUBSCRIBE, nor of the promise it keeps of a
 * pending SUBSCRIBE for subscribers that may come while it is on its way. The callers still get
 * the failure of their own subscribe(); these others change nothing (a closed connection has no
 * subscriptions left), so they are handled here.
 */
class SafeRedisPubSub extends RedisPubSub {
  private readonly handled = new WeakSet<object>();

  constructor(options: { publisher: Redis; subscriber: Redis }) {
    super(options);
    const { subscriber } = options;
    for (const method of ['unsubscribe', 'punsubscribe'] as const) {
      const send = subscriber[method].bind(subscriber) as (...channels: string[]) => Promise<unknown>;
      subscriber[method] = ((...channels: string[]) => {
        const sent = send(...channels);
        sent.catch(() => undefined);
        return sent;
      }) as never;
    }
  }

  override subscribe<T = unknown>(trigger: string, onMessage: (message: T) => unknown, options?: unknown) {
    const subscribed = super.subscribe<T>(trigger, onMessage, options);
    const pendings = (this as unknown as { subsPendingRefsMap: Map<string, { pending: Promise<unknown> }> })
      .subsPendingRefsMap;
    for (const { pending } of pendings.values()) {
      if (this.handled.has(pending)) continue;
      this.handled.add(pending);
      pending.catch(() => undefined);
    }
    return subscribed;
  }
}

/** A cluster client, retrying as createRedis does; `sharded` adds a subscriber connection per master. */
function createCluster(
  nodes: { host: string; port: number }[],
  log: Logger | undefined,
  name: string,
  sharded: boolean,
  onReconnect?: () => void,
): Cluster {
  const cluster = new Cluster(nodes, {
    shardedSubscribers: sharded,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    redisOptions: { connectionName: `chat-${name}`, maxRetriesPerRequest: 2 },
  });
  cluster.on('error', (error: Error) => log?.warn({ err: error.message, connection: name }, 'redis cluster error'));
  cluster.on('node error', (error: Error, node: string) =>
    log?.warn({ err: error.message, connection: name, node }, 'redis cluster node error'),
  );
  if (onReconnect) cluster.on('reconnecting', onReconnect);
  return cluster;
}

/**
 * QUIT lets the replies of commands still on their way arrive first (a heartbeat, an UNSUBSCRIBE);
 * a connection that cannot say goodbye within a second (Redis away) is cut.
 */
async function closeAll(connections: SharedRedis[]): Promise<void> {
  await Promise.all(
    connections.map(async (connection) => {
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 1_000);
      });
      await Promise.race([connection.quit().catch(() => undefined), cut]);
      clearTimeout(timer);
      connection.disconnect();
    }),
  );
}

/**
 * When a listening connection that was lost is back (`lost`, then `back`), `relisten` confirms
 * that it listens on every channel again, and then `onResumed`'s listeners hear of it. A failed
 * confirmation waits for the next `back`.
 */
function resumeSignal(relisten: () => Promise<unknown>) {
  const resumed = new EventEmitter();
  let lost = false;
  return {
    lost: () => void (lost = true),
    back: () => {
      if (!lost) return;
      lost = false;
      relisten().then(
        () => resumed.emit('resumed'),
        () => (lost = true),
      );
    },
    onResumed: (listener: () => void) => void resumed.on('resumed', listener),
  };
}

export function openBus(
  target: Partial<Pick<Config, 'redisUrl' | 'redisClusterNodes'>>,
  log?: Logger,
  onReconnect?: () => void,
): Bus {
  const { redisUrl, redisClusterNodes } = target;
  if (redisClusterNodes) {
    const pubsub = createCluster(redisClusterNodes, log, 'pubsub', true, onReconnect);
    const redis = createCluster(redisClusterNodes, log, 'state', false, onReconnect);
    const sharded = new ShardedPubSub(pubsub);
    const resumes = resumeSignal(() => sharded.relisten());
    // A shard's subscriber connection ended (the subscriber group's '-node' names its node; the
    // connection pool's does not). ioredis replaces it, then says 'subscribersReady'.
    pubsub.on('-node', (_node: unknown, nodeKey?: string) => {
      if (nodeKey !== undefined) resumes.lost();
    });
    pubsub.on('subscribersReady', resumes.back);
    return {
      kind: 'cluster',
      pubsub: sharded,
      redis,
      // Every master answers, and the cluster says it serves all its slots.
      async ping(timeoutMs = 2_000) {
        await withTimeout(
          (async () => {
            const masters = redis.nodes('master');
            if (masters.length === 0) throw new Error('no Redis Cluster master is known');
            await Promise.all(masters.map((node) => node.ping()));
            const info = await redis.cluster('INFO');
            const state = /cluster_state:(\w+)/.exec(info)?.[1];
            if (state !== 'ok') throw new Error(`the Redis Cluster's state is ${state ?? 'unknown'}`);
          })(),
          timeoutMs,
          'the Redis Cluster',
        );
      },
      onResumed: resumes.onResumed,
      close: () => closeAll([pubsub, redis]),
    };
  }
  if (!redisUrl) {
    // One listener per subscription on a channel: no limit on how many.
    const eventEmitter = new EventEmitter();
    eventEmitter.setMaxListeners(0);
    return {
      kind: 'memory',
      pubsub: new PubSub({ eventEmitter }),
      redis: null,
      ping: async () => undefined,
      onResumed: () => undefined,
      close: async () => undefined,
    };
  }
  const publisher = createRedis(redisUrl, log, 'publisher', false, onReconnect);
  const subscriber = createRedis(redisUrl, log, 'subscriber', true, onReconnect);
  const redis = createRedis(redisUrl, log, 'state', false, onReconnect);
  const pubsub = new SafeRedisPubSub({ publisher, subscriber });
  // ioredis sends the SUBSCRIBEs again just after 'ready'; a PING sent after them is answered
  // once Redis has taken them all.
  const resumes = resumeSignal(() => new Promise((resolve) => setImmediate(resolve)).then(() => subscriber.ping()));
  subscriber.on('close', resumes.lost);
  subscriber.on('ready', resumes.back);
  return {
    kind: 'redis',
    pubsub,
    redis,
    async ping(timeoutMs = 2_000) {
      await withTimeout(Promise.all([redis.ping(), publisher.ping()]), timeoutMs, 'redis');
    },
    onResumed: resumes.onResumed,
    close: () => closeAll([publisher, subscriber, redis]),
  };
}
