import type { ChatError } from './errors.js';
import { liveSubscription, type LiveSubscription, type SubscriptionHandlers } from './live.js';

/** A notification as the stream needs it: its id and when it was made. */
export interface NotificationLike {
  id: string;
  createdAt: string;
}

/** What the notification stream needs from the client (a fake one in unit tests). */
export interface NotificationHost<N extends NotificationLike> {
  /**
   * The live notifications (notificationAdded); returns the function that unsubscribes.
   * `listening`: the server says the subscription listens (Realtime's SubscriptionSink).
   */
  subscribe(sink: {
    next(notification: N): void;
    error(error: ChatError): void;
    complete(): void;
    listening(): void;
  }): () => void;
  /** A page of the inbox, newest first (the notifications query). */
  page(after: string | null, first: number): Promise<{ nodes: N[]; endCursor: string | null; hasNextPage: boolean }>;
  /** Calls `listener` whenever the socket is (re)connected; returns the function that stops it. */
  onConnected(listener: () => void): () => void;
}

export interface NotificationStreamOptions {
  /**
   * Also deliver the notifications made this long before the stream started (ms), oldest first.
   * Default 0: only new ones.
   */
  backlogMs?: number;
  /**
   * After each (re)connection the inbox is read at once, again when the server says the
   * subscription listens (from then on nothing is missed), and after each of these delays.
   * Default none.
   */
  settleDelaysMs?: readonly number[];
  /** Page size of a catch-up read (1–100). Default 50. */
  pageSize?: number;
}

/**
 * How far back a catch-up reads past the newest notification delivered: notifications are not
 * committed in creation order, so one made a moment before another may show up after it.
 */
const CATCH_UP_WINDOW_MS = 30_000;
/** A catch-up reads at most this many pages (a client away for long reads the inbox itself). */
const MAX_PAGES = 10;

const order = (a: NotificationLike, b: NotificationLike) =>
  a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : Date.parse(a.createdAt) - Date.parse(b.createdAt);

/**
 * The viewer's new notifications, each exactly once, across reconnections and replica failover:
 * the live subscription delivers them, and after each (re)connection the inbox is read back to
 * just before the newest one delivered, so what came while the socket was down is delivered too
 * (oldest first). Repeats are dropped by id.
 */
export function notificationStream<N extends NotificationLike>(
  host: NotificationHost<N>,
  options: NotificationStreamOptions = {},
  handlers?: SubscriptionHandlers<N>,
  onEnd?: () => void,
): LiveSubscription<N> {
  const settleDelays = options.settleDelaysMs ?? [];
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 50));
  const seen = new Set<string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const stops: (() => void)[] = [];
  /** Nothing made before this instant (server time) is delivered; set from the first read. */
  let floor: number | null = null;
  /** The newest creation time delivered (server time). */
  let newest = 0;
  let ended = false;
  let catchingUp: Promise<void> | null = null;
  let again = false;

  return liveSubscription<N>(
    (sink) => {
      const deliver = (notification: N) => {
        if (ended || seen.has(notification.id)) return;
        seen.add(notification.id);
        newest = Math.max(newest, Date.parse(notification.createdAt));
        sink.next(notification);
      };
      const catchUp = async (): Promise<void> => {
        const since = Math.max(floor ?? 0, newest - CATCH_UP_WINDOW_MS);
        const found: N[] = [];
        let after: string | null = null;
        for (let pages = 0; pages < MAX_PAGES; pages++) {
          const page = await host.page(after, pageSize);
          const recent = page.nodes.filter((n) => Date.parse(n.createdAt) >= since);
          found.push(...recent);
          if (!page.hasNextPage || recent.length < page.nodes.length) break;
          after = page.endCursor;
        }
        found.sort(order).forEach(deliver);
      };
      const run = () => {
        if (ended) return;
        if (catchingUp) {
          again = true;
          return;
        }
        catchingUp = catchUp()
          .catch(() => undefined) // a failed read is tried again at the next settle or connection
          .finally(() => {
            catchingUp = null;
            if (again) {
              again = false;
              run();
            }
          });
      };
      const start = async () => {
        // The floor comes first, from the server's own clock: the newest notification now, or none.
        const first = await host.page(null, pageSize);
        const newestNow = first.nodes[0] ? Date.parse(first.nodes[0].createdAt) : 0;
        floor = newestNow - (options.backlogMs ?? 0);
        for (const n of first.nodes) {
          if (!options.backlogMs || Date.parse(n.createdAt) < floor) seen.add(n.id);
        }
        newest = newestNow;
        if (ended) return;
        stops.push(
          host.onConnected(() => {
            run();
            for (const delay of settleDelays) {
              const timer = setTimeout(() => {
                timers.delete(timer);
                run();
              }, delay);
              timers.add(timer);
            }
          }),
        );
        stops.push(
          host.subscribe({
            next: deliver,
            error: (error) => sink.error(error),
            complete: () => sink.complete(),
            // What was made before this may have been missed; nothing after it will be.
            listening: run,
          }),
        );
        if (options.backlogMs) run();
      };
      start().catch((error: ChatError) => sink.error(error));
      return () => {
        ended = true;
        for (const timer of timers) clearTimeout(timer);
        for (const stop of stops) stop();
      };
    },
    handlers,
    () => {
      ended = true;
      for (const timer of timers) clearTimeout(timer);
      for (const stop of stops.splice(0)) stop();
      onEnd?.();
    },
  );
}
