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
  const subscriptions = new Map<string, Promise<number>>();
  let ended = false;
  let push: ((value: T) => unknown) | undefined;
  let stop: (() => void) | undefined;
  let sink: ((value: T) => void) | undefined;
  let ends: (() => void) | undefined;
  const ended$ = new Promise<void>((resolve) => (ends = resolve));
  const early: T[] = [];

  const release = (channel: string) => {
    const id = subscriptions.get(channel);
    subscriptions.delete(channel);
    void id?.then((subId) => pubsub.unsubscribe(subId)).catch(() => undefined);
  };
  const end = () => {
    if (ended) return;
    ended = true;
    for (const channel of [...subscriptions.keys()]) release(channel);
    stop?.();
    ends!();
  };
  // close() called from within `select` ends the stream after the value it returns.
  let selecting = false;
  let closeAfter = false;
  const deliver = (event: E, channel: string) => {
    if (ended) return;
    selecting = true;
    const value = select(event, channel, stream);
    selecting = false;
    if (value !== undefined) {
      if (sink) sink(value);
      else if (push) void push(value);
      else early.push(value);
    }
    if (closeAfter) end();
  };

  const repeater = new Repeater<T>(async (pushValue, stopped) => {
    push = pushValue;
    stop = stopped;
    for (const value of early.splice(0)) void pushValue(value);
    if (ended) stopped();
    await stopped;
    end();
  });

  const stream: ChannelStream<T> = {
    next: () => repeater.next(),
    return: (value?: unknown) => {
      end();
      return repeater.return(value as T);
    },
    throw: (error?: unknown) => {
      end();
      return repeater.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    async add(channel) {
      if (ended || subscriptions.has(channel)) return;
      const id = pubsub.subscribe(channel, (event: E) => deliver(event, channel), {});
      subscriptions.set(channel, id);
      await id;
    },
    remove: release,
    close() {
      if (selecting) closeAfter = true;
      else end();
    },
    listen(listener) {
      sink = listener;
      for (const value of early.splice(0)) listener(value);
      return ended$;
    },
  };
  try {
    await Promise.all(channels.map((channel) => stream.add(channel)));
  } catch (error) {
    end();
    throw error;
  }
  return stream;
}
