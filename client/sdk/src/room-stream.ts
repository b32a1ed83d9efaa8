import { Emitter } from './emitter.js';
import { ChatError, isChatError } from './errors.js';
import { SeqBuffer, type Sequenced } from './seq-buffer.js';
import { backgroundTimeout, backoffMs } from './timers.js';

/** What a room stream needs from the client (a fake one in unit tests). */
export interface StreamHost<M extends Sequenced> {
  /** The room's lastSeq now. */
  lastSeq(roomId: string): Promise<number>;
  /** Up to `first` messages after `afterSeq`, ascending (the messagesSince query). */
  messagesSince(roomId: string, afterSeq: number, first: number): Promise<M[]>;
  /**
   * The live messages of the room (messageAdded); returns the function that unsubscribes.
   * `listening`: the server says the subscription listens (Realtime's SubscriptionSink).
   */
  subscribe(
    roomId: string,
    sink: {
      next(message: M): void;
      error(error: ChatError): void;
      complete(): void;
      eventError(): void;
      listening(): void;
    },
  ): () => void;
  /** Calls `listener` whenever the socket is (re)connected; returns the function that stops it. */
  onConnected(listener: () => void): () => void;
}

export interface MessageStreamOptions<M extends Sequenced = Sequenced> {
  /**
   * Deliver the messages after this seq. Default: the room's lastSeq when the stream starts, so only
   * new messages; 0 replays the whole history first.
   */
  afterSeq?: number;
  /** Page size of gap recovery (messagesSince `first`, 1–1000). Default 500. */
  pageSize?: number;
  /**
   * How long a message past a gap waits for the gap to fill by itself (messages published by
   * different replicas can arrive out of order) before the gap is fetched. Default 150 ms.
   */
  gapWaitMs?: number;
  /**
   * After each (re)connection the gap is fetched at once, again when the server says the
   * subscription listens (from then on nothing is missed), and after each of these delays.
   * Default none.
   */
  settleDelaysMs?: readonly number[];
  /**
   * Deliver only the messages for which this holds (a thread's replies, say). The others still
   * move the stream on, so what it delivers stays in seq order, exactly once.
   */
  only?: (message: M) => boolean;
}

export interface MessageStreamStats {
  /** Messages delivered. */
  delivered: number;
  /** Repeats dropped (by id, or seq at or below the last delivered). */
  duplicates: number;
  /** messagesSince requests made. */
  recoveryRequests: number;
  /** Messages delivered that came from messagesSince rather than the live subscription. */
  recovered: number;
  /** Socket (re)connections seen. */
  connections: number;
}

export interface MessageStreamEvents<M> {
  /** A message, in seq order, once. */
  message: M;
  /** A gap fetch delivered messages (after a reconnection, or a gap in the live events). */
  recovered: { reason: RecoveryReason; count: number; fromSeq: number; toSeq: number };
  /** The stream ended with this error (it delivers nothing more). */
  error: ChatError;
  /** The stream ended (closed by you, by the server, or with an error). */
  end: undefined;
}

export type RecoveryReason = 'start' | 'connected' | 'listening' | 'settle' | 'gap' | 'retry';

/** Errors that end a stream; any other failure of a gap fetch is retried. */
const FATAL = ['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED', 'BAD_USER_INPUT', 'CLOSED'] as const;

/**
 * Every message of one room, in seq order, exactly once, across reconnections, replica failover
 * and token refreshes. Iterate it (`for await`), or listen with `onMessage`; `close()` ends it.
 */
export class MessageStream<M extends Sequenced> implements AsyncIterable<M> {
  private readonly events = new Emitter<MessageStreamEvents<M>>();
  private buffer: SeqBuffer<M> | undefined;
  /** Live messages that came before the starting seq was known. */
  private early: M[] = [];
  private readonly stopFns: (() => void)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private recovering = false;
  private recoverAgain: RecoveryReason | undefined;
  private failures = 0;
  private ended = false;
  private failure: ChatError | undefined;
  /** Messages for the iterators, and the iterator waiting for one. */
  private readonly queues = new Set<{ items: M[]; wake?: () => void }>();
  /** Messages delivered before anyone listened, handed to the first consumer. */
  private unclaimed: M[] | undefined = [];
  private readonly pageSize: number;
  private readonly gapWaitMs: number;
  private readonly settleDelaysMs: readonly number[];
  private readonly only: ((message: M) => boolean) | undefined;
  private readonly counters = { recoveryRequests: 0, recovered: 0, connections: 0 };

  constructor(
    private readonly host: StreamHost<M>,
    readonly roomId: string,
    options: MessageStreamOptions<M> = {},
  ) {
    this.pageSize = Math.min(1_000, Math.max(1, options.pageSize ?? 500));
    this.gapWaitMs = options.gapWaitMs ?? 150;
    this.settleDelaysMs = options.settleDelaysMs ?? [];
    this.only = options.only;
    this.start(options.afterSeq).catch((error: unknown) => this.fail(error));
  }

  private async start(afterSeq: number | undefined): Promise<void> {
    this.stopFns.push(
      this.host.onConnected(() => {
        this.counters.connections++;
        this.recover('connected');
        for (const delay of this.settleDelaysMs) this.later(() => this.recover('settle'), delay);
      }),
    );
    this.stopFns.push(
      this.host.subscribe(this.roomId, {
        next: (message) => (this.buffer ? this.accept([message], false) : this.early.push(message)),
        error: (error) => this.fail(error),
        complete: () => this.end(),
        eventError: () => this.recover('gap'),
        // Whatever was stored before this may have been missed; nothing after it will be.
        listening: () => this.recover('listening'),
      }),
    );
    let start = afterSeq;
    for (let attempt = 0; start === undefined; attempt++) {
      try {
        start = await this.host.lastSeq(this.roomId);
      } catch (error) {
        if (this.ended) return;
        if (isFatal(error)) return this.fail(error);
        await new Promise((resolve) => this.later(() => resolve(undefined), backoffMs(attempt)));
      }
      if (this.ended) return;
    }
    this.buffer = new SeqBuffer<M>(start);
    const early = this.early;
    this.early = [];
    this.accept(early, false);
    this.recover('start');
    for (const delay of this.settleDelaysMs) this.later(() => this.recover('settle'), delay);
  }

  /** Takes messages (live or recovered) and delivers what is now in order. */
  private accept(messages: M[], recovered: boolean): M[] {
    const buffer = this.buffer!;
    const ready = buffer.add(messages);
    if (recovered) this.counters.recovered += ready.length;
    for (const message of ready) this.deliver(message);
    if (!buffer.hasGap) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else {
      this.checkGapSoon();
    }
    return ready;
  }

  /** Fetches the gap in `gapWaitMs` unless it is filled by then (by live messages arriving late). */
  private checkGapSoon(): void {
    if (this.gapTimer) return;
    this.gapTimer = this.later(() => {
      this.gapTimer = undefined;
      if (this.buffer?.hasGap) this.recover('gap');
    }, this.gapWaitMs);
  }

  private deliver(message: M): void {
    if (this.ended || (this.only && !this.only(message))) return;
    if (this.unclaimed) this.unclaimed.push(message);
    for (const queue of this.queues) {
      queue.items.push(message);
      queue.wake?.();
    }
    this.events.emit('message', message);
  }

  /** Fetches everything after the last delivered seq, page by page; one fetch at a time. */
  private recover(reason: RecoveryReason): void {
    const buffer = this.buffer;
    if (this.ended || !buffer) return;
    if (this.recovering) {
      this.recoverAgain ??= reason;
      return;
    }
    this.recovering = true;
    void (async () => {
      let current: RecoveryReason | undefined = reason;
      try {
        while (current && !this.ended) {
          this.recoverAgain = undefined;
          const fromSeq = buffer.lastSeq;
          let count = 0;
          for (;;) {
            this.counters.recoveryRequests++;
            const page = await this.host.messagesSince(this.roomId, buffer.lastSeq, this.pageSize);
            if (this.ended) return;
            count += this.accept(page, true).length;
            if (page.length < this.pageSize) break;
          }
          if (count > 0) this.events.emit('recovered', { reason: current, count, fromSeq, toSeq: buffer.lastSeq });
          current = this.recoverAgain;
        }
        this.failures = 0;
        // Still a hole (its message not visible yet when asked): look again shortly.
        if (buffer.hasGap) this.checkGapSoon();
      } catch (error) {
        if (this.ended) return;
        if (isFatal(error)) return this.fail(error);
        const wait =
          isChatError(error, 'RATE_LIMITED') && error.retryAfterMs ? error.retryAfterMs : backoffMs(this.failures);
        this.failures++;
        this.later(() => this.recover('retry'), wait);
      } finally {
        this.recovering = false;
      }
    })();
  }

  private later(task: () => void, ms: number): ReturnType<typeof setTimeout> {
    const timer = backgroundTimeout(() => {
      this.timers.delete(timer);
      if (!this.ended) task();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.failure = error instanceof ChatError ? error : new ChatError('NETWORK', String(error), { cause: error });
    this.events.emit('error', this.failure);
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const stop of this.stopFns.splice(0)) stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues) queue.wake?.();
    this.events.emit('end', undefined);
  }

  /** Ends the stream: iterators finish, nothing more is delivered. */
  close(): void {
    this.end();
  }

  /** True once the stream ended. */
  get closed(): boolean {
    return this.ended;
  }

  /** The seq of the last message delivered (the starting point before the first). */
  get lastSeq(): number | undefined {
    return this.buffer?.lastSeq;
  }

  get stats(): MessageStreamStats {
    return {
      delivered: this.buffer?.delivered ?? 0,
      duplicates: this.buffer?.duplicates ?? 0,
      ...this.counters,
    };
  }

  /** Calls `listener` with every message, in order; returns the function that stops it. */
  onMessage(listener: (message: M) => void): () => void {
    const pending = this.claim();
    const off = this.events.on('message', listener);
    for (const message of pending) listener(message);
    return off;
  }

  /** Listens to `message` (the same as onMessage), `recovered`, `error` or `end`. */
  on<K extends keyof MessageStreamEvents<M>>(
    event: K,
    listener: (value: MessageStreamEvents<M>[K]) => void,
  ): () => void {
    if (event === 'message') return this.onMessage(listener as (message: M) => void);
    return this.events.on(event, listener);
  }

  /** The messages delivered before the first consumer came (for that consumer). */
  private claim(): M[] {
    const pending = this.unclaimed ?? [];
    this.unclaimed = undefined;
    return pending;
  }

  [Symbol.asyncIterator](): AsyncIterator<M> {
    const queue: { items: M[]; wake?: () => void } = { items: this.claim() };
    this.queues.add(queue);
    const finish = (): IteratorReturnResult<undefined> => {
      this.queues.delete(queue);
      return { done: true, value: undefined };
    };
    return {
      next: async (): Promise<IteratorResult<M>> => {
        for (;;) {
          const item = queue.items.shift();
          if (item !== undefined) return { done: false, value: item };
          if (this.ended) {
            finish();
            if (this.failure) throw this.failure;
            return { done: true, value: undefined };
          }
          await new Promise<void>((resolve) => (queue.wake = resolve));
          queue.wake = undefined;
        }
      },
      return: async () => {
        // Leaving a for-await loop ends the stream (the usual meaning of breaking out of it).
        this.close();
        return finish();
      },
    };
  }
}

function isFatal(error: unknown): error is ChatError {
  return isChatError(error, ...FATAL);
}
