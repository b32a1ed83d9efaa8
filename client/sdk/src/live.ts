import type { ChatError } from './errors.js';

/** Callbacks for a subscription, instead of iterating it. */
export interface SubscriptionHandlers<T> {
  next(value: T): void;
  error?(error: ChatError): void;
  complete?(): void;
}

/**
 * A running subscription: iterate it with `for await` (leaving the loop ends it), or pass handlers
 * when subscribing; `close()` ends it either way. Events that come before iteration starts wait.
 */
export interface LiveSubscription<T> extends AsyncIterable<T> {
  close(): void;
  readonly closed: boolean;
}

/**
 * Builds a LiveSubscription over `start`, which subscribes and returns the function that stops it;
 * `onEnd` is called once when it ends, however it ends.
 */
export function liveSubscription<T>(
  start: (sink: { next(value: T): void; error(error: ChatError): void; complete(): void }) => () => void,
  handlers?: SubscriptionHandlers<T>,
  onEnd?: () => void,
): LiveSubscription<T> {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: ChatError | undefined;
  let iterating = false;
  const finish = (error?: ChatError) => {
    if (ended) return;
    ended = true;
    failure = error;
    wake?.();
    onEnd?.();
    if (error) handlers?.error?.(error);
    else handlers?.complete?.();
  };
  const stop = start({
    next(value) {
      if (ended) return;
      if (handlers) return handlers.next(value);
      items.push(value);
      wake?.();
    },
    error: (error) => finish(error),
    complete: () => finish(),
  });
  const close = () => {
    if (ended) return;
    stop();
    finish();
  };
  return {
    close,
    get closed() {
      return ended;
    },
    [Symbol.asyncIterator](): AsyncIterator<T> {
      if (handlers) throw new Error('This subscription delivers to its handlers; it cannot be iterated too');
      if (iterating) throw new Error('A subscription can be iterated once');
      iterating = true;
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (items.length) return { done: false, value: items.shift()! };
            if (ended) {
              if (failure) {
                const error = failure;
                failure = undefined;
                throw error;
              }
              return { done: true, value: undefined };
            }
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        },
        async return() {
          close();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
