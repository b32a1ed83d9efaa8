import type { Database } from '../infra/db.js';

/** What one look at an outbox found. */
export interface Look {
  /** Rows claimed (then the worker looks again at once: more may be due). */
  claimed: number;
  /** When nothing was claimed: ms until the earliest pending row falls due, or null for none. */
  nextDueInMs?: number | null;
}

/**
 * The shortest time between two looks of a replica that its notifications start: under a stream
 * of queued rows, each replica looks at most five times a second rather than once per row.
 */
export const NOTIFIED_SPACING_MS = 200;

/** When a look failed (the database away): the next one, unless a notification comes sooner. */
export const AFTER_FAILED_LOOK_MS = 1_000;

/**
 * When a delivery worker looks at its outbox (webhook_deliveries, push_deliveries): at start; when
 * a row is queued, on any replica (the outbox's insert trigger notifies `channel`); at once after
 * a look that claimed rows, or when a delivery ends (the same webhook's next may be due); when the
 * earliest pending row falls due (a retry's backoff, or the lease of a replica that died
 * mid-attempt); and at the latest `idleMs` after the last look. An idle replica runs no statement
 * between those. Looking every second cost each idle replica 3–4 ms of CPU a second and PostgreSQL
 * 3 ms a second for it (bench/idle.ts).
 * Looks never overlap: one asked for during a look follows it.
 */
export class OutboxSchedule {
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

  constructor(
    private readonly look: () => Promise<Look>,
    private readonly options: { db: Database; channel: string; idleMs: number },
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

  /** Stops looking; resolves when a look under way has ended. */
  async stop(): Promise<void> {
    this.halted = true;
    this.unlisten?.();
    this.clear();
    await this.settled;
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
    let found: Look = { claimed: 0, nextDueInMs: null };
    // The worker catches and logs its own errors (saying when to look again); anything else thrown
    // counts as a look that found nothing.
    this.settled = this.look().then(
      (result) => (found = result),
      () => undefined,
    );
    await this.settled;
    this.looking = false;
    if (found.claimed > 0 || this.wokenWhileLooking) return this.wake();
    if (this.notifiedWhileLooking) this.notified();
    const due = found.nextDueInMs;
    this.at(Math.min(this.options.idleMs, due == null ? Infinity : Math.max(due, NOTIFIED_SPACING_MS)));
  }
}
