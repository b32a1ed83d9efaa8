import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import { rateLimited } from '../errors.js';
import type { Metrics } from './metrics.js';
import type { Bus } from './pubsub.js';

/**
 * A budget of attempts per key and window (rate-limiter-flexible): in Redis when the server has
 * one, so every replica shares the count, in memory otherwise. With RATE_LIMITS=off it never refuses.
 */
export interface Limiter {
  /** Throws RATE_LIMITED (with retryAfterMs) when the key has no attempts left; spends nothing. */
  assertAllowed(key: string): Promise<void>;
  /** Spends one attempt; throws RATE_LIMITED when that was one too many. */
  consume(key: string): Promise<void>;
  /** Spends one attempt without refusing (e.g. count a failure after the fact). */
  penalize(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface LimiterOptions {
  name: string;
  points: number;
  windowMs: number;
  message?: string;
}

/**
 * `points` per `duration` seconds and key, in Redis when there is one, in memory otherwise. While
 * Redis cannot be reached, each replica counts in memory on its own (rate-limiter-flexible's
 * insurance limiter): an outage of Redis neither stops the chat nor lifts its limits.
 */
function budgetOf(bus: Bus, options: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract {
  const memory = new RateLimiterMemory(options);
  if (!bus.redis) return memory;
  // Not connected: counted in memory at once, rather than after the connection's retries.
  return new RateLimiterRedis({
    storeClient: bus.redis,
    ...options,
    insuranceLimiter: memory,
    rejectIfRedisNotReady: true,
  });
}

export function createLimiter(bus: Bus, enabled: boolean, options: LimiterOptions, metrics?: Metrics): Limiter {
  if (!enabled) {
    const noop = async () => undefined;
    return { assertAllowed: noop, consume: noop, penalize: noop, reset: noop };
  }
  const duration = Math.max(1, Math.ceil(options.windowMs / 1000));
  const keyPrefix = `chat:rl:${options.name}`;
  const limiter = budgetOf(bus, { keyPrefix, points: options.points, duration });
  const refuse = (res: RateLimiterRes) => {
    metrics?.rateLimitRefusals.inc({ limit: options.name });
    return rateLimited(res.msBeforeNext, options.message);
  };
  return {
    async assertAllowed(key) {
      const res = await limiter.get(key);
      if (res && res.remainingPoints <= 0) throw refuse(res);
    },
    async consume(key) {
      try {
        await limiter.consume(key);
      } catch (res) {
        if (res instanceof Error) throw res;
        throw refuse(res as RateLimiterRes);
      }
    },
    async penalize(key) {
      await limiter.penalty(key);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

export type LimitedAction = 'sendMessage' | 'createRoom' | 'setTyping' | 'react' | 'invite' | 'register' | 'connect';
type Budget = { points: number; windowMs: number };

/**
 * The abuse limits of the API: each action has a budget per user, and one per client address
 * (`addressFactor` times larger, since many users can share an address). Signing up and connecting
 * are counted per address only.
 */
export class AbuseLimits {
  private readonly perUser = new Map<LimitedAction, Limiter>();
  private readonly perAddress = new Map<LimitedAction, Limiter>();

  constructor(
    bus: Bus,
    enabled: boolean,
    budgets: Record<LimitedAction, Budget> & { addressFactor: number },
    metrics?: Metrics,
  ) {
    const { addressFactor, ...actions } = budgets;
    for (const [action, { points, windowMs }] of Object.entries(actions) as [LimitedAction, Budget][]) {
      const addressOnly = action === 'register' || action === 'connect';
      const message = `Too many ${action === 'connect' ? 'connections' : `${action} requests`}; try again later`;
      if (!addressOnly) {
        this.perUser.set(
          action,
          createLimiter(bus, enabled, { name: `${action}:user`, points, windowMs, message }, metrics),
        );
      }
      const addressPoints = addressOnly ? points : points * addressFactor;
      this.perAddress.set(
        action,
        createLimiter(bus, enabled, { name: `${action}:address`, points: addressPoints, windowMs, message }, metrics),
      );
    }
  }

  /** Spends one attempt of `action` for the user (if any) and the address; RATE_LIMITED when out. */
  async consume(action: LimitedAction, who: { userId?: string | null; address: string }): Promise<void> {
    const user = who.userId ? this.perUser.get(action) : undefined;
    await Promise.all([user?.consume(who.userId!), this.perAddress.get(action)!.consume(who.address)]);
  }
}

/**
 * Slow mode (a room setting, not an abuse limit: it holds with RATE_LIMITS=off): one message per
 * member and room per `seconds`, counted in Redis when the server has it, so every replica shares
 * it, and in memory otherwise. One limiter per distinct setting, made when first needed.
 */
export function createSlowMode(bus: Bus, metrics?: Metrics) {
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (seconds: number) => {
    let limiter = limiters.get(seconds);
    if (!limiter) {
      limiter = budgetOf(bus, { keyPrefix: `chat:slow:${seconds}`, points: 1, duration: seconds });
      limiters.set(seconds, limiter);
    }
    return limiter;
  };
  return {
    async take(roomId: string, userId: string, seconds: number): Promise<void> {
      try {
        await limiterFor(seconds).consume(`${roomId}:${userId}`);
      } catch (res) {
        if (res instanceof Error) throw res;
        metrics?.rateLimitRefusals.inc({ limit: 'slowMode' });
        throw rateLimited(
          (res as RateLimiterRes).msBeforeNext,
          `Slow mode: one message every ${seconds} s in this room`,
        );
      }
    },
  };
}
