import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import type { EndpointPicker } from './endpoints.js';
import type { Emitter } from './emitter.js';
import { ChatError, type GraphQLErrorLike } from './errors.js';
import type { GraphQLRequest } from './http.js';
import type { SessionManager } from './session.js';
import type { Session } from './tokens.js';
import { backoffMs, sleep } from './timers.js';

/** Close codes the server uses (API.md). */
export const CloseCodes = {
  /** The replica is shutting down: reconnect (to another one). */
  serviceRestart: 1012,
  /** The access token is missing its mark (bad, or expired while connected): refresh, reconnect. */
  unauthorized: 4401,
  /** Too many sockets (per user) or connection attempts (per address): wait, reconnect. */
  tooMany: 4429,
} as const;

export interface RealtimeEvents {
  /** A WebSocket is being opened (`reconnect`: after a lost one). */
  connecting: { reconnect: boolean };
  /** The server acknowledged the connection; subscriptions are (re)sent on it now. */
  connected: { reconnect: boolean; url: string | undefined };
  /** A WebSocket closed (or failed to open). */
  closed: { code: number; reason: string; url: string | undefined };
}

export interface SubscriptionSink<T> {
  next(data: T): void;
  error(error: ChatError): void;
  complete(): void;
  /** An event that came with errors instead of data; without this the subscription ends with the error. */
  eventError?(error: ChatError): void;
  /**
   * The server says the subscription listens: everything published from now on reaches it, and what
   * was stored before may have been missed (fetch it now). Said once it starts on each socket, and
   * again after the server's pub/sub was lost and is back.
   */
  listening?(): void;
}

interface CloseLike {
  code: number;
  reason: string;
}

/** What became of an operation sent on the socket: its result, or `lost` when the socket closed first. */
export type SocketOutcome = { result: FormattedExecutionResult<Record<string, unknown>, unknown> } | { lost: true };

/** WebSocket.OPEN, the same in browsers and in `ws`. */
const OPEN = 1;

const isCloseLike = (value: unknown): value is CloseLike =>
  typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;

export interface RealtimeOptions {
  endpoint: EndpointPicker;
  webSocketImpl?: unknown;
  session: SessionManager;
  events: Emitter<RealtimeEvents>;
  /**
   * Waits before reconnect attempt `retries` (0, 1, 2 …); the default backs off with jitter from
   * 150–300 ms (50–100 ms for the first retry when a list has another URL to try) to 5–10 s.
   */
  retryWait?: (retries: number) => Promise<void>;
  /** Ping interval; a socket that does not answer a ping within `pongTimeoutMs` is dropped and replaced. */
  keepAliveMs: number;
  pongTimeoutMs: number;
}

/**
 * Subscriptions over one graphql-ws connection that reconnects forever: graphql-ws itself retries
 * lost sockets (1006, 1012 …) with backoff; a 4401 close — fatal to graphql-ws — refreshes the
 * token and resubscribes here, and 4429 waits and resubscribes. Every (re)connection emits
 * `connected`, which is when room streams fetch what they missed.
 */
export class Realtime {
  private readonly client: Client;
  private lastToken: string | null = null;
  private socketUrl: string | undefined;
  /** 4401 closes since the last successful connection (backs off when a fresh token is refused too). */
  private unauthorizedInRow = 0;
  private tooManyInRow = 0;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whose socket it is (the user of the token it was opened with; null: a guest's). */
  private socketUser: string | null | undefined;
  /** A restart is closing the socket on purpose: keep the URL. */
  private restarting = false;
  /** The socket the server has acknowledged, while it is open. */
  private socket: { readyState: number } | undefined;
  /** Operations started so far: the last operation id. */
  private operations = 0;
  /** The subscriptions that want to hear when they listen, by operation id. */
  private readonly listeners = new Map<string, () => void>();

  constructor(private readonly options: RealtimeOptions) {
    const { endpoint, session, events } = options;
    this.client = createClient({
      url: async () => (this.socketUrl = await endpoint.current()),
      webSocketImpl: options.webSocketImpl,
      lazy: true,
      lazyCloseTimeout: 1_000,
      // Operation ids numbered from 1 (they need only be unique on the socket): clients subscribed
      // in the same order share the server's pre-built frames of an event.
      generateID: () => String(++this.operations),
      retryAttempts: Infinity,
      // Backoff with jitter; the first retry of a list, which goes to another URL, waits less.
      retryWait:
        options.retryWait ?? ((retries) => sleep(backoffMs(retries, retries === 0 && endpoint.size > 1 ? 100 : 300))),
      // Retry everything graphql-ws lets through (1006 from a dead replica, 1012, socket errors…).
      shouldRetry: () => true,
      keepAlive: options.keepAliveMs,
      connectionParams: async () => {
        this.lastToken = await session.accessToken();
        this.socketUser = userOf(await session.get());
        return this.lastToken ? { authToken: this.lastToken } : {};
      },
      on: {
        connecting: (isRetry) => {
          this.socket = undefined;
          events.emit('connecting', { reconnect: isRetry });
        },
        connected: (socket, _payload, wasRetry) => {
          this.socket = socket as { readyState: number };
          this.unauthorizedInRow = 0;
          this.tooManyInRow = 0;
          events.emit('connected', { reconnect: wasRetry, url: this.socketUrl });
        },
        closed: (event) => {
          this.socket = undefined;
          clearTimeout(this.pongTimer);
          const { code, reason } = isCloseLike(event) ? event : { code: 1006, reason: '' };
          if (code === CloseCodes.unauthorized) this.unauthorizedInRow++;
          if (code === CloseCodes.tooMany) this.tooManyInRow++;
          // Anything but a normal close, a token problem or a restart: try the next URL (of a list).
          if (code !== 1000 && code !== CloseCodes.unauthorized && !this.restarting && this.socketUrl) {
            endpoint.failed(this.socketUrl);
          }
          this.restarting = false;
          this.socketUser = undefined;
          events.emit('closed', { code, reason, url: this.socketUrl });
        },
        ping: (received, payload) => {
          if (received) return this.heardListening(payload);
          if (!(options.pongTimeoutMs > 0)) return;
          clearTimeout(this.pongTimer);
          this.pongTimer = setTimeout(() => this.client.terminate(), options.pongTimeoutMs);
        },
        pong: (received) => {
          if (received) clearTimeout(this.pongTimer);
        },
      },
    });
  }

  /** The server's ping names the subscriptions that listen: `{ listening: ["3"] }`. */
  private heardListening(payload: unknown): void {
    const ids = (payload as { listening?: unknown } | undefined)?.listening;
    if (!Array.isArray(ids)) return;
    for (const id of ids) this.listeners.get(String(id))?.();
  }

  /** Subscribes; returns the function that ends the subscription. */
  subscribe<T>(request: GraphQLRequest, sink: SubscriptionSink<T>): () => void {
    let ended = false;
    let stop: () => void = () => undefined;
    let id: string | undefined;
    const forget = () => {
      if (id !== undefined) this.listeners.delete(id);
    };
    const fail = (error: ChatError) => {
      if (ended) return;
      ended = true;
      forget();
      stop();
      sink.error(error);
    };
    const start = () => {
      if (ended) return;
      forget();
      stop = this.client.subscribe<T>(
        {
          query: request.query ?? '',
          variables: request.variables,
          operationName: request.operationName,
          ...(request.extensions ? { extensions: request.extensions } : {}),
        },
        {
          next: (result: FormattedExecutionResult<T>) => {
            if (ended) return;
            if (result.errors?.length) {
              const error = ChatError.fromGraphQLErrors(result.errors as GraphQLErrorLike[]);
              // No `data` at all is a request error (the subscription could not start; `complete`
              // follows at once): it ends the subscription. `data: null` is one event that failed,
              // unless it is FORBIDDEN: the viewer lost the room (removed, banned), and the server
              // completes the subscription after it. That ends it with the error, for good.
              if (sink.eventError && 'data' in result && error.code !== 'FORBIDDEN') sink.eventError(error);
              else fail(error);
              return;
            }
            if (!result.data) return;
            try {
              sink.next(result.data);
            } catch (error) {
              // The consumer's failure must not reach graphql-ws (it would drop the socket for all).
              console.error('[@chat/sdk] a subscription handler threw', error);
            }
          },
          error: (error: unknown) => {
            if (ended) return;
            void this.recoverable(error).then(
              (again) => (again ? start() : fail(toChatError(error))),
              () => fail(toChatError(error)),
            );
          },
          complete: () => {
            if (ended) return;
            ended = true;
            forget();
            sink.complete();
          },
        },
      );
      // graphql-ws numbered the operation (generateID) as it started it.
      id = String(this.operations);
      if (sink.listening) this.listeners.set(id, () => sink.listening!());
    };
    start();
    return () => {
      if (ended) return;
      ended = true;
      forget();
      stop();
    };
  }

  /**
   * Runs a query or mutation on the socket, if one is open, acknowledged and the current user's
   * right now; resolves with undefined when not (it never opens a socket for this). The result
   * frame is the answer, errors included; `lost` means the socket closed before it came, so the
   * server may or may not have run it. graphql-ws would send it again on the next socket: it is
   * stopped instead, and the caller decides (over HTTP, when it is safe to send twice).
   */
  async run(request: GraphQLRequest, signal?: AbortSignal): Promise<SocketOutcome | undefined> {
    const user = userOf(await this.options.session.get());
    if (this.socket?.readyState !== OPEN || this.socketUser !== user) return undefined;
    signal?.throwIfAborted();
    return new Promise<SocketOutcome>((resolve, reject) => {
      let settled = false;
      let stop = () => undefined as void;
      const settle = (outcome: SocketOutcome | { aborted: unknown }, stopIt: boolean) => {
        if (settled) return;
        settled = true;
        unlisten();
        signal?.removeEventListener('abort', onAbort);
        if (stopIt) stop();
        if ('aborted' in outcome) reject(outcome.aborted);
        else resolve(outcome);
      };
      const onAbort = () => settle({ aborted: signal!.reason }, true);
      const unlisten = this.client.on('closed', () => settle({ lost: true }, true));
      signal?.addEventListener('abort', onAbort);
      stop = this.client.subscribe<Record<string, unknown>>(
        {
          query: request.query ?? '',
          variables: request.variables,
          operationName: request.operationName,
          ...(request.extensions ? { extensions: request.extensions } : {}),
        },
        {
          // The result; graphql-ws then receives the server's `complete` and lets the operation go.
          next: (result) => settle({ result }, false),
          // An array: the server refused the operation before running it (errors, no data).
          error: (error) =>
            settle(Array.isArray(error) ? { result: { errors: error as GraphQLErrorLike[] } } : { lost: true }, false),
          complete: () => settle({ lost: true }, false),
        },
      );
    });
  }

  /**
   * The session changed: when it is another user's (or a sign-out), the socket is reopened with the
   * new identity and every subscription resent (room streams then fetch their gaps).
   */
  sessionChanged(session: Session | null): void {
    if (this.socketUser === undefined || userOf(session) === this.socketUser) return;
    this.restarting = true;
    this.client.terminate();
  }

  /** Whether a subscription ended by `error` should be sent again (after refreshing or waiting). */
  private async recoverable(error: unknown): Promise<boolean> {
    if (!isCloseLike(error)) return false;
    if (error.code === CloseCodes.unauthorized) {
      // A fresh token that is refused as well (clock skew, revoked session…): back off.
      if (this.unauthorizedInRow > 1) await sleep(backoffMs(this.unauthorizedInRow - 2, 1_000, 30_000));
      try {
        await this.options.session.refresh('socket-closed-4401', this.lastToken ?? undefined);
      } catch {
        // Could not reach the server: the next connection attempt refreshes (or fails and retries).
      }
      return true;
    }
    if (error.code === CloseCodes.tooMany) {
      await sleep(backoffMs(this.tooManyInRow, 2_000, 60_000));
      return true;
    }
    return false;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.pongTimer);
    await this.client.dispose();
  }
}

/** Who a session is, for telling whether a new one is someone else. */
function userOf(session: Session | null): string | null {
  return session ? (session.user?.id ?? 'signed-in') : null;
}

function toChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  if (Array.isArray(error)) return ChatError.fromGraphQLErrors(error as GraphQLErrorLike[]);
  if (isCloseLike(error)) {
    return new ChatError('NETWORK', `The socket closed with ${error.code}${error.reason ? `: ${error.reason}` : ''}`, {
      closeCode: error.code,
    });
  }
  return new ChatError('NETWORK', (error as Error)?.message ?? String(error), { cause: error });
}
