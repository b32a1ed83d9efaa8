import { randomUUID } from 'node:crypto';
import type { CarriedMember } from '../chat/carried.js';
import type { SharedRedis } from '../infra/pubsub.js';
import type { RoomEvents } from './events.js';

/**
 * Typing indicators. `set(…, true)` announces that a user started typing; refreshing it within
 * `expiryMs` (5 s) announces nothing more; without a refresh the stop is announced by itself. With
 * Redis the state is shared, so refreshes that land on different replicas count as one: each
 * refresh takes ownership of the expiry, and only the owner's timer may announce the stop.
 */
export class Typing {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Typing state without Redis: key → owner token. */
  private readonly local = new Map<string, string>();

  constructor(
    private readonly events: RoomEvents,
    private readonly redis: SharedRedis | null,
    private readonly expiryMs = 5_000,
  ) {}

  /** `carried`: the room and the typist, for the events (the stop by expiry too) to carry. */
  async set(roomId: string, userId: string, typing: boolean, carried?: CarriedMember): Promise<void> {
    const key = `chat:typing:${roomId}:${userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (!typing) {
      const was = await this.take(key, null);
      if (was !== null) this.events.publish({ type: 'TypingChanged', roomId, userId, typing: false, carried });
      return;
    }
    const token = randomUUID();
    const was = await this.take(key, token);
    const timer = setTimeout(
      () => void this.expire(key, token, roomId, userId, carried).catch(() => undefined),
      this.expiryMs,
    );
    timer.unref();
    this.timers.set(key, timer);
    if (was === null) this.events.publish({ type: 'TypingChanged', roomId, userId, typing: true, carried });
  }

  stop() {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Sets (or clears, with null) the owner token of `key`; returns the previous one. */
  private async take(key: string, token: string | null): Promise<string | null> {
    if (!this.redis) {
      const previous = this.local.get(key) ?? null;
      if (token) this.local.set(key, token);
      else this.local.delete(key);
      return previous;
    }
    if (!token) return this.redis.getdel(key);
    return this.redis.set(key, token, 'PX', this.expiryMs + 1_000, 'GET');
  }

  /** The stop, announced only if no later refresh (on any replica) took the expiry over. */
  private async expire(key: string, token: string, roomId: string, userId: string, carried?: CarriedMember) {
    this.timers.delete(key);
    const owned = this.redis
      ? (await this.redis.eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
          1,
          key,
          token,
        )) === 1
      : this.local.get(key) === token && this.local.delete(key);
    if (owned) this.events.publish({ type: 'TypingChanged', roomId, userId, typing: false, carried });
  }
}
