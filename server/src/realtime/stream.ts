import type { PubSubEngine } from 'graphql-subscriptions';
import { Repeater } from 'graphql-yoga';

/**
 * A stream of the events of a changing set of channels. The pub/sub subscriptions are released
 * the moment the stream ends (client completes, socket drops, server closes it), so nothing leaks
 * on Redis. Filtering happens as events arrive (`select`), not in a wrapping async generator,
 * whose return() would wait for the next event before it could release anything.
 */
export interface ChannelStream<T> extends AsyncIterableIterator<T> {
  /** Starts listening on `channel`; resolves once the pub/sub confirmed it. */
  add(channel: string): Promise<void>;
  remove(channel: string): void;
  /** Ends the stream after the values already pushed. */
  close(): void;
  /**
   * Hands every value to `sink` as it arrives instead of queueing it for `next()` (the values that
   * came before are handed over at once). Resolves when the stream ends.
   */
  listen(sink: (value: T) => void): Promise<void>;
}

/** What to do with an event heard on `channel`: deliver a value, or skip it (undefined). */
export type Select<E, T> = (event: E, channel: string, stream: ChannelStream<T>) => T | undefined;

export async function channelStream<E, T = E>(
  pubsub: PubSubEngine,
  channels: readonly string[],
  select: Select<E, T> = (event) => event as unknown as T,
): Promise<ChannelStream<T>> {
  const stream = new Stream(pubsub, select);
  try {
    await Promise.all(channels.map((channel) => stream.add(channel)));
  } catch (error) {
    stream.end();
    throw error;
  }
  return stream;
}

/**
 * A class rather than closures: every live subscription holds one, and its methods on the
 * prototype cost a socket nothing. The iterator (a Repeater) is made only for a consumer that
 * iterates; sockets `listen`, and their streams never make one.
 */
class Stream<E, T> implements ChannelStream<T> {
  private readonly subscriptions = new Map<string, Promise<number>>();
  private ended = false;
  private iterator: Repeater<T> | undefined;
  private push: ((value: T) => unknown) | undefined;
  private stop: (() => void) | undefined;
  private sink: ((value: T) => void) | undefined;
  /** Resolves the promise `listen` returned, if it was called. */
  private ends: (() => void) | undefined;
  private endedPromise: Promise<void> | undefined;
  /** Values that arrived before anyone listened or iterated. */
  private early: T[] | undefined;
  // close() called from within `select` ends the stream after the value it returns.
  private selecting = false;
  private closeAfter = false;

  constructor(
    private readonly pubsub: PubSubEngine,
    private readonly select: Select<E, T>,
  ) {}

  remove(channel: string): void {
    const id = this.subscriptions.get(channel);
    this.subscriptions.delete(channel);
    void id?.then((subId) => this.pubsub.unsubscribe(subId)).catch(() => undefined);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const channel of [...this.subscriptions.keys()]) this.remove(channel);
    this.stop?.();
    this.ends?.();
  }

  private deliver(event: E, channel: string): void {
    if (this.ended) return;
    this.selecting = true;
    const value = this.select(event, channel, this);
    this.selecting = false;
    if (value !== undefined) {
      if (this.sink) this.sink(value);
      else if (this.push) void this.push(value);
      else (this.early ??= []).push(value);
    }
    if (this.closeAfter) this.end();
  }

  private repeater(): Repeater<T> {
    return (this.iterator ??= new Repeater<T>(async (pushValue, stopped) => {
      this.push = pushValue;
      this.stop = stopped;
      for (const value of this.takeEarly()) void pushValue(value);
      if (this.ended) stopped();
      await stopped;
      this.end();
    }));
  }

  private takeEarly(): T[] {
    const early = this.early ?? [];
    this.early = undefined;
    return early;
  }

  next(): Promise<IteratorResult<T>> {
    return this.repeater().next();
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.end();
    if (!this.iterator) return Promise.resolve({ done: true, value: value as T });
    return this.iterator.return(value as T);
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return this.repeater().throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async add(channel: string): Promise<void> {
    if (this.ended || this.subscriptions.has(channel)) return;
    const id = this.pubsub.subscribe(channel, (event: E) => this.deliver(event, channel), {});
    this.subscriptions.set(channel, id);
    await id;
  }

  close(): void {
    if (this.selecting) this.closeAfter = true;
    else this.end();
  }

  listen(listener: (value: T) => void): Promise<void> {
    this.sink = listener;
    for (const value of this.takeEarly()) listener(value);
    if (this.ended) return Promise.resolve();
    return (this.endedPromise ??= new Promise<void>((resolve) => (this.ends = resolve)));
  }
}
