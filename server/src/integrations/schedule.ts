import type { Database } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

/** What a delivery worker does with its outbox (webhook_deliveries, push_deliveries). */
export interface Outbox<Row> {
  /** Claims up to `limit` due rows (SKIP LOCKED, each with a lease). */
  claim(limit: number): Promise<Row[]>;
  /** Ms until the earliest pending row falls due, or null for none. */
  nextDueInMs(): Promise<number | null>;
  /** Sends one claimed row and records what came of it; logs its own failures, never rejects. */
  send(row: Row): Promise<void>;
}

interface OutboxOptions {
  db: Database;
  /** The channel the outbox's insert trigger notifies. */
  channel: string;
  /** The longest time between two looks (WEBHOOK_POLL_INTERVAL, PUSH_POLL_INTERVAL). */
  idleMs: number;
  /** Rows being sent at once, at most. */
  concurrency: number;
  log: Logger;
  /** What the rows are, for the log ("webhook deliveries"). */
  what: string;
}

/**
 * The shortest time between two looks of a replica that its notifications start: under a stream
 * of queued rows, each replica looks at most five times a second rather than once per row.
 */
const NOTIFIED_SPACING_MS = 200;

/** When a look failed (the database away): the next one, unless a notification comes sooner. */
const AFTER_FAILED_LOOK_MS = 1_000;

/**
 * When a delivery worker looks at its outbox, and what a look does: claims as many due rows as it
 * has free slots and starts sending each. It looks at start; when a row is queued, on any replica
 * (the outbox's insert trigger notifies `channel`); at once after a look that claimed rows, or when
 * a send ends (the same webhook's next delivery may be due, and a slot is free); when the earliest
 * pending row falls due (a retry's backoff, or the lease of a replica that died mid-attempt); and at
 * the latest `idleMs` after the last look. An idle replica runs no statement between those. Looking
 * every second cost each idle replica 3–4 ms of CPU a second and PostgreSQL 3 ms a second for it
 * (bench/idle.ts). Looks never overlap: one asked for during a look follows it.
 */
export class OutboxSchedule<Row> {
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now()), Infinity without one. */
  private timerAt = Infinity;
  private looking = false;
  private notifiedWhileLooking = false;
  private wokenWhileLooking = false;
  private lastLook = -Infinity;
  private halted = true;
  private unlisten: (() => void) | undefined;
  /** The look under way, settled (awaited when stopping). */
  private settled: Promise<unknown> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly outbox: Outbox<Row>,
    private readonly options: OutboxOptions,
  ) {}

  /** Whether stop() was called. */
  get stopped(): boolean {
    return this.halted;
  }

  start(): void {
    this.halted = false;
    this.unlisten = this.options.db.listen(this.options.channel, () => this.notified());
    this.wake();
  }

  /** Stops looking; resolves when a look under way has ended and the sends under way have, or after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.halted = true;
    this.unlisten?.();
    this.clear();
    await this.settled;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sent(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** Resolves when every send under way has ended. */
  async sent(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Looks now (rather than at the next time planned). */
  wake(): void {
    if (this.looking) this.wokenWhileLooking = true;
    else this.at(0);
  }

  /** A row was queued: looks now, or NOTIFIED_SPACING_MS after the last look began. */
  notified(): void {
    if (this.looking) this.notifiedWhileLooking = true;
    else this.at(this.lastLook + NOTIFIED_SPACING_MS - performance.now());
  }

  /** Plans a look in `delayMs` (at once when ≤ 0), unless one is planned sooner. */
  private at(delayMs: number): void {
    if (this.halted) return;
    const at = performance.now() + Math.max(0, delayMs);
    if (at >= this.timerAt) return;
    this.clear();
    this.timerAt = at;
    this.timer = setTimeout(() => void this.run(), Math.max(0, delayMs));
  }

  private clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private async run(): Promise<void> {
    this.clear();
    if (this.halted || this.looking) return;
    this.looking = true;
    this.notifiedWhileLooking = this.wokenWhileLooking = false;
    this.lastLook = performance.now();
    const look = this.look();
    this.settled = look;
    const [claimed, nextDueInMs] = await look;
    this.looking = false;
    if (claimed > 0 || this.wokenWhileLooking) return this.wake();
    if (this.notifiedWhileLooking) this.notified();
    this.at(
      Math.min(this.options.idleMs, nextDueInMs === null ? Infinity : Math.max(nextDueInMs, NOTIFIED_SPACING_MS)),
    );
  }

  /** One look: the rows claimed, and (none claimed) when to look next at the latest; never rejects. */
  private async look(): Promise<[claimed: number, nextDueInMs: number | null]> {
    const free = this.options.concurrency - this.pending.size;
    // Every slot busy: the next look is when one frees (each send wakes the schedule as it ends).
    if (free <= 0) return [0, null];
    let rows: Row[];
    try {
      rows = await this.outbox.claim(free);
      if (rows.length === 0) return [0, await this.outbox.nextDueInMs()];
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, `claiming ${this.options.what} failed`);
      return [0, AFTER_FAILED_LOOK_MS];
    }
    for (const row of rows) {
      const sending = this.outbox.send(row).finally(() => {
        this.pending.delete(sending);
        this.wake();
      });
      this.pending.add(sending);
    }
    return [rows.length, null];
  }
}
