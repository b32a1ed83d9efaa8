import { createClient as createSseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Socket {
  client: Client;
  /** Resolves with the close event's code once the socket closed. */
  closed: Promise<number>;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client as third parties use it; no retries, so a dropped socket shows. `listening`
 * hears the ids each of the server's listening pings names (transport/ws.ts).
 */
export function connect(
  wsUrl: string,
  authToken?: string,
  options: { listening?: (ids: string[]) => void } = {},
): Socket {
  let onClosed: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: authToken ? { authToken } : {},
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => onClosed((event as CloseEvent).code),
      ping: (received, payload) => {
        const ids = (payload as { listening?: string[] } | undefined)?.listening;
        if (received && ids) options.listening?.(ids);
      },
    },
  });
  return { client, closed, dispose: () => client.dispose() as Promise<void> };
}

/** Anything that runs operations with a sink: a graphql-ws or a graphql-sse client. */
export interface LiveClient {
  client: Pick<Client, 'subscribe'>;
  dispose(): Promise<void> | void;
}

/**
 * A graphql-sse client as third parties use it, in distinct-connections mode (one event stream
 * per operation) or single-connection mode (one stream for all); no retries, so refusals show.
 */
export function connectSse(
  graphqlUrl: string,
  accessToken?: string,
  options: { singleConnection?: boolean; headers?: Record<string, string> } = {},
): LiveClient {
  const client = createSseClient({
    url: graphqlUrl,
    singleConnection: options.singleConnection ?? false,
    retryAttempts: 0,
    headers: { ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}), ...options.headers },
  });
  return { client: client as never, dispose: () => client.dispose() };
}

export interface Subscription<T = any> {
  /** Every result received so far (data, or errors). */
  results: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** Data of the results received so far. */
  events(): T[];
  /** Resolves when `predicate` holds for the data received (checks what came already, then each new result). */
  waitFor(predicate: (events: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  /** Resolves when the server ends the subscription (complete or error). */
  ended: Promise<void>;
  stop(): void;
}

export function subscribe<T = any>(
  socket: LiveClient,
  query: string,
  variables?: Record<string, unknown>,
): Subscription<T> {
  const results: Subscription<T>['results'] = [];
  const waiters = new Set<() => void>();
  let end: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const notify = () => waiters.forEach((w) => w());
  const stop = socket.client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        results.push(result as never);
        notify();
      },
      error: (error) => {
        results.push({
          errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }],
        });
        end();
        notify();
      },
      complete: () => {
        end();
        notify();
      },
    },
  );
  const events = () => results.filter((r) => r.data).map((r) => r.data as T);
  return {
    results,
    events,
    ended,
    stop,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events())) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting; got ${JSON.stringify(results)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Resolves once `condition` holds, checking every 25 ms; rejects after `timeoutMs`. */
export async function eventually(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
