/**
 * The urql client of a signed-in session: the normalized cache, the access token on every request
 * (refreshed before it expires and when refused), queries and mutations over HTTP, subscriptions
 * over one graphql-ws socket that reconnects for ever — and sends, read marks, typing and reactions
 * over that socket while it is open (transport.ts). `connection` says whether the socket is up;
 * its `epoch` counts connections, and `listening` the times the server said each live stream
 * listens (again), which is when views fetch what they may have missed.
 */
import { authExchange } from '@urql/exchange-auth';
import { createClient as createSocket, type Client as Socket, type Sink, type SubscribePayload } from 'graphql-ws';
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { chatCache } from './cache';
import { refresh, session } from './session';
import { GRAPHQL_URL, persisted, socketMutationsExchange, WS_URL } from './transport';

/** The server closes a socket with this when its access token is refused or has expired. */
const CLOSE_UNAUTHORIZED = 4401;
/** … and with this when the user has too many sockets open or connects too often. */
const CLOSE_TOO_MANY = 4429;

export interface Connection {
  status: 'connecting' | 'connected' | 'reconnecting';
  /** How many times the socket has connected. */
  epoch: number;
  /**
   * By subscription (operation name): how many times the server said it listens, once it starts on
   * each socket and again when the server's pub/sub is back from an outage. Whatever happened
   * before one may have been missed; nothing after it is.
   */
  listening: Readonly<Partial<Record<LiveStream, number>>>;
}

/** The subscriptions whose listening views follow (operation names of live.ts and people.ts). */
export type LiveStream = 'MyEvents' | 'NotificationAdded';
const FOLLOWED: readonly string[] = ['MyEvents', 'NotificationAdded'] satisfies LiveStream[];

export interface ChatClient {
  client: Client;
  connection: {
    get(): Connection;
    subscribe(listener: () => void): () => void;
  };
  dispose(): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Doubling waits from 0.5 s up to 30 s, with jitter so that clients do not come back all at once. */
const backoff = (attempt: number) => Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);

/**
 * graphql-ws ends its subscriptions on the close codes it deems fatal, 4401 and 4429 among them.
 * Here they are not: after a 4401 the access token is renewed, after a 4429 the client waits, and
 * the subscription starts again on a new socket. Any other error ends it.
 */
function subscribeForEver(
  socket: Socket,
  payload: SubscribePayload,
  sink: Sink,
  renewAccessToken: () => Promise<unknown>,
  /** Called each time the subscription is sent (again), just after graphql-ws gave it its id. */
  started: () => void,
): () => void {
  let stop = () => {};
  let stopped = false;
  let attempts = 0;
  const start = () => {
    const startedAt = Date.now();
    stop = socket.subscribe(payload, {
      next: (value) => sink.next(value),
      complete: () => sink.complete(),
      error: (error) => {
        const code = (error as { code?: unknown }).code;
        if (code !== CLOSE_UNAUTHORIZED && code !== CLOSE_TOO_MANY) return sink.error(error);
        // A subscription that ran a while (until its token expired) starts again at once; one
        // refused over and over waits longer each time.
        if (Date.now() - startedAt > 5_000) attempts = 0;
        void (async () => {
          await sleep(attempts === 0 ? 0 : backoff(attempts));
          attempts++;
          if (code === CLOSE_UNAUTHORIZED) await renewAccessToken();
          // Signed out meanwhile: the app is tearing this client down.
          if (!stopped && session.viewer()) start();
        })();
      },
    });
    started();
  };
  start();
  return () => {
    stopped = true;
    stop();
  };
}

/**
 * A subscription carries its persisted document's hash beside the text (the persisted exchange
 * sees queries and mutations only), so a server that runs trusted documents only runs it too.
 */
function withDocumentId(payload: SubscribePayload, document: object): SubscribePayload {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) return payload;
  return { ...payload, extensions: { ...payload.extensions, persistedQuery: { version: 1, sha256Hash: hash } } };
}

export function createChatClient(): ChatClient {
  let connection: Connection = { status: 'connecting', epoch: 0, listening: {} };
  let disposed = false;
  const listeners = new Set<() => void>();
  const setConnection = (next: Connection) => {
    connection = next;
    for (const listener of listeners) listener();
  };

  /** Operations started on the socket so far: the last operation id. */
  let operations = 0;
  /** The followed subscriptions by operation id (an id changes after a 4401 or 4429). */
  const followed = new Map<string, LiveStream>();
  /** The access token the socket connected with. */
  let socketToken: string | null = null;
  /** The socket the server acknowledged, while it is open. */
  let acknowledged: WebSocket | undefined;
  /** After a 4401: a new token, unless one newer than the refused one is already here. */
  const renewAccessToken = async () => {
    if (session.accessToken() === socketToken) await refresh();
  };
  const socket = createSocket({
    url: WS_URL,
    // Read at every connection: the token of the moment, refreshed first if it is about to expire.
    connectionParams: async () => {
      if (session.expiring()) await refresh();
      socketToken = session.accessToken();
      return socketToken ? { authToken: socketToken } : {};
    },
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (retries) => sleep(backoff(retries)),
    lazyCloseTimeout: 3_000,
    // Operation ids numbered from 1 (they need only be unique on the socket): clients subscribed
    // in the same order share the server's pre-built frames of an event.
    generateID: () => String(++operations),
    on: {
      connecting: () => (acknowledged = undefined),
      connected: (opened) => {
        acknowledged = opened as WebSocket;
        setConnection({ ...connection, status: 'connected', epoch: connection.epoch + 1 });
      },
      // The server says which subscriptions listen (server/src/transport/ws.ts, `listeningMessage`).
      ping: (received, payload) => {
        const ids = (payload as { listening?: unknown } | undefined)?.listening;
        if (!received || !Array.isArray(ids)) return;
        const listening = { ...connection.listening };
        for (const stream of ids.map((id) => followed.get(String(id)))) {
          if (stream) listening[stream] = (listening[stream] ?? 0) + 1;
        }
        setConnection({ ...connection, listening });
      },
      closed: () => {
        acknowledged = undefined;
        if (!disposed && connection.status === 'connected') setConnection({ ...connection, status: 'reconnecting' });
      },
    },
  });

  const client = new Client({
    url: GRAPHQL_URL,
    exchanges: [
      chatCache(),
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          const token = session.accessToken();
          return token ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` }) : operation;
        },
        willAuthError: () => session.expiring(),
        didAuthError: (error) => error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'),
        async refreshAuth() {
          await refresh();
        },
      })),
      ...persisted,
      socketMutationsExchange(() => (acknowledged?.readyState === WebSocket.OPEN ? socket : undefined)),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request, operation) => ({
          subscribe: (sink) => {
            let id: string | undefined;
            const stop = subscribeForEver(
              socket,
              withDocumentId({ ...request, query: request.query ?? '' }, operation.query),
              sink as Sink,
              renewAccessToken,
              () => {
                const name = request.operationName;
                if (!name || !FOLLOWED.includes(name)) return;
                if (id) followed.delete(id);
                // graphql-ws numbers an operation (generateID) as it starts it.
                followed.set((id = String(operations)), name as LiveStream);
              },
            );
            return {
              unsubscribe: () => {
                if (id) followed.delete(id);
                stop();
              },
            };
          },
        }),
      }),
    ],
  });

  return {
    client,
    connection: {
      get: () => connection,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    dispose() {
      disposed = true;
      void socket.dispose();
    },
  };
}

let current: { viewerId: string; chat: ChatClient } | null = null;

/**
 * The chat client of the signed-in user, made at sign-in and disposed at sign-out, so that one
 * user's cache never shows to the next. Kept outside React: it must outlive re-renders and
 * StrictMode's trial unmounts.
 */
export function chatClientOf(viewerId: string): ChatClient {
  if (current?.viewerId !== viewerId) {
    current?.chat.dispose();
    current = { viewerId, chat: createChatClient() };
  }
  return current.chat;
}

session.subscribe(() => {
  if (current && session.viewer()?.id !== current.viewerId) {
    current.chat.dispose();
    current = null;
  }
});
