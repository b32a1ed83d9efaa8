import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PubSubEngine } from 'graphql-subscriptions';
import { Repeater } from 'graphql-yoga';
import type { Logger } from '../infra/logger.js';
import type { SharedRedis } from '../infra/pubsub.js';
import { PRESENCE_CHANNEL } from './channels.js';

/**
 * Presence keys share one hash tag, so the transactions and pipelines over several of them stay in
 * one slot of a Redis Cluster.
 */
const REPLICAS_KEY = 'chat:{presence}:replicas';
const replicaKey = (replica: string) => `chat:{presence}:replica:${replica}`;

export interface OnlineCount {
  /** Distinct signed-in users with at least one live connection, on any replica. */
  users: number;
  /** Guest connections. */
  guests: number;
}

/**
 * Who is connected. Each replica counts its own connections; with Redis it keeps them in a hash of
 * its own that expires unless the replica refreshes it (heartbeat), so the connections of a replica
 * that dies stop counting by themselves. Every change is announced on a channel so every replica
 * recounts and pushes the new figures to its onlineCount subscribers.
 */
export class Presence {
  private readonly replicaId = randomUUID();
  private readonly users = new Map<string, number>();
  private guests = 0;
  private readonly changes = new EventEmitter();
  private current: OnlineCount = { users: 0, guests: 0 };
  private heartbeat: NodeJS.Timeout | undefined;
  private recount: Promise<void> | null = null;
  private recountAgain = false;
  private listening: Promise<number> | undefined;

  constructor(
    private readonly redis: SharedRedis | null,
    private readonly pubsub: PubSubEngine,
    private readonly options: { heartbeatMs: number; ttlMs: number },
    private readonly log: Logger,
  ) {
    this.changes.setMaxListeners(0);
  }

  private get key() {
    return replicaKey(this.replicaId);
  }

  /** Starts the heartbeat. Does not wait for Redis: a server starts while Redis is down (not ready). */
  start(): void {
    if (!this.redis) return;
    this.listening = this.pubsub.subscribe(PRESENCE_CHANNEL, () => void this.scheduleRecount(), {});
    this.listening.catch((error: Error) => this.log.warn({ err: error.message }, 'presence channel unavailable'));
    void this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Counts a connection; returns the function that uncounts it (call it once, at close). */
  async connect(userId: string | null): Promise<() => Promise<void>> {
    await this.change(userId, +1);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.change(userId, -1);
    };
  }

  async isOnline(userId: string): Promise<boolean> {
    if (this.users.has(userId)) return true;
    if (!this.redis) return false;
    const replicas = await this.liveReplicas();
    if (replicas.length === 0) return false;
    const pipeline = this.redis.pipeline();
    for (const replica of replicas) pipeline.hexists(replicaKey(replica), `u:${userId}`);
    const results = (await pipeline.exec()) ?? [];
    return results.some(([error, exists]) => !error && exists === 1);
  }

  async count(): Promise<OnlineCount> {
    if (this.redis) await this.scheduleRecount();
    else this.current = this.localCount();
    return this.current;
  }

  /** The current figures, then every change. */
  stream(): AsyncIterableIterator<OnlineCount> {
    return new Repeater<OnlineCount>(async (push, stop) => {
      const onChange = (count: OnlineCount) => void push(count);
      this.changes.on('change', onChange);
      await push(await this.count());
      await stop;
      this.changes.off('change', onChange);
    });
  }

  /** Removes this replica's connections from the count at once (clean shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.users.clear();
    this.guests = 0;
    if (!this.redis) return;
    try {
      await this.redis.multi().del(this.key).zrem(REPLICAS_KEY, this.replicaId).exec();
      await this.pubsub.publish(PRESENCE_CHANNEL, { replica: this.replicaId });
      const id = await this.listening?.catch(() => undefined);
      if (id !== undefined) this.pubsub.unsubscribe(id);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not remove presence');
    }
  }

  private localCount(): OnlineCount {
    return { users: this.users.size, guests: this.guests };
  }

  private async change(userId: string | null, delta: 1 | -1) {
    const field = userId ? `u:${userId}` : 'guests';
    if (userId) {
      const next = (this.users.get(userId) ?? 0) + delta;
      if (next > 0) this.users.set(userId, next);
      else this.users.delete(userId);
    } else {
      this.guests = Math.max(0, this.guests + delta);
    }
    if (!this.redis) {
      this.emit(this.localCount());
      return;
    }
    try {
      const left = userId ? (this.users.get(userId) ?? 0) : this.guests;
      const write = this.redis.multi();
      if (left > 0) write.hset(this.key, field, left);
      else write.hdel(this.key, field);
      await write.pexpire(this.key, this.options.ttlMs).exec();
      await this.pubsub.publish(PRESENCE_CHANNEL, { replica: this.replicaId });
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'presence update failed');
    }
  }

  /** Refreshes this replica's hash (rewriting it if Redis lost it) and drops dead replicas. */
  private async beat() {
    if (!this.redis) return;
    try {
      const now = Date.now();
      const write = this.redis.multi().del(this.key);
      const fields: Record<string, number> = Object.fromEntries([...this.users].map(([id, n]) => [`u:${id}`, n]));
      if (this.guests > 0) fields.guests = this.guests;
      if (Object.keys(fields).length) write.hset(this.key, fields);
      await write
        .pexpire(this.key, this.options.ttlMs)
        .zadd(REPLICAS_KEY, now + this.options.ttlMs, this.replicaId)
        .zremrangebyscore(REPLICAS_KEY, '-inf', now)
        .exec();
      await this.scheduleRecount();
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'presence heartbeat failed');
    }
  }

  private async liveReplicas(): Promise<string[]> {
    return this.redis!.zrangebyscore(REPLICAS_KEY, Date.now(), '+inf');
  }

  /** Recounts from Redis; concurrent requests share one recount (and one more after it). */
  private scheduleRecount(): Promise<void> {
    if (this.recount) {
      this.recountAgain = true;
      return this.recount;
    }
    this.recount = (async () => {
      do {
        this.recountAgain = false;
        await this.recountNow().catch((error: Error) =>
          this.log.warn({ err: error.message }, 'presence recount failed'),
        );
      } while (this.recountAgain);
    })().finally(() => (this.recount = null));
    return this.recount;
  }

  private async recountNow() {
    const replicas = await this.liveReplicas();
    const pipeline = this.redis!.pipeline();
    for (const replica of replicas) pipeline.hgetall(replicaKey(replica));
    const hashes = ((await pipeline.exec()) ?? []).map(([, hash]) => (hash ?? {}) as Record<string, string>);
    const users = new Set<string>();
    let guests = 0;
    for (const hash of hashes) {
      for (const [field, value] of Object.entries(hash)) {
        if (field === 'guests') guests += Number(value);
        else users.add(field);
      }
    }
    this.emit({ users: users.size, guests });
  }

  private emit(count: OnlineCount) {
    if (count.users === this.current.users && count.guests === this.current.guests) return;
    this.current = count;
    this.changes.emit('change', count);
  }
}
