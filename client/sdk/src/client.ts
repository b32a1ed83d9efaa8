import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { Emitter } from './emitter.js';
import { endpointPicker, webSocketEndpoint, type Endpoint, type EndpointPicker } from './endpoints.js';
import { ChatError, isChatError, type GraphQLErrorLike } from './errors.js';
import {
  documentIds,
  mutations,
  queries,
  subscriptions,
  type AttachmentFieldsFragment,
  type AuthPayloadFieldsFragment,
  type ChangePasswordInput,
  type LoginInput,
  type LogoutInput,
  type MessageConnectionFieldsFragment,
  type MessageFieldsFragment,
  type NotificationFieldsFragment,
  type RegisterInput,
  type RoomEventFieldsFragment,
  type RoomFieldsFragment,
  type RoomMemberFieldsFragment,
  type MessageReportFieldsFragment,
  type AuditEntryFieldsFragment,
  type RoomRole,
} from './generated/graphql.js';
import { isUnreachable, postGraphQL, type FetchLike, type GraphQLRequest } from './http.js';
import { liveSubscription, type LiveSubscription, type SubscriptionHandlers } from './live.js';
import { Realtime, type RealtimeEvents } from './realtime.js';
import { notificationStream, type NotificationHost, type NotificationStreamOptions } from './notification-stream.js';
import { MessageStream, type MessageStreamOptions, type StreamHost } from './room-stream.js';
import { SessionManager, type SessionEvents } from './session.js';
import { memoryTokens, type Session, type TokenStorage } from './tokens.js';

export interface ChatClientOptions {
  /**
   * The HTTP GraphQL endpoint, e.g. `http://localhost:4000/graphql`; a list of replicas to fail over
   * between; or a function asked before every request.
   */
  url: Endpoint;
  /** The WebSocket endpoint(s). Default: `url` with http(s) → ws(s). */
  wsUrl?: Endpoint;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  /** The WebSocket class; browsers have one, on Node pass `WebSocket` from the `ws` package. */
  webSocketImpl?: unknown;
  /** Where the session is kept. Default: memory; `localStorageTokens()` in a browser. */
  storage?: TokenStorage;
  /** Refresh the access token this long before it expires (a quarter of its lifetime at most). Default 60 s. */
  refreshMarginMs?: number;
  /** Headers sent with every HTTP request. */
  headers?: Record<string, string>;
  /**
   * Wait before WebSocket reconnect attempt `retries` (0, 1, 2 …). Default: doubling with jitter, from
   * 150–300 ms (50–100 ms for a first retry to another URL of a list) up to 5–10 s, forever.
   */
  retryWait?: (retries: number) => Promise<void>;
  /** WebSocket ping interval (ms); a socket whose ping goes unanswered for `pongTimeoutMs` is replaced. Default 10 s / 5 s. */
  keepAliveMs?: number;
  pongTimeoutMs?: number;
  /**
   * Send the SDK's own operations as trusted documents: by id over HTTP (the text follows only if the
   * server does not know the id), by id and text over the WebSocket. A server that accepts trusted
   * documents only (TRUSTED_DOCUMENTS_ONLY) needs this. Default true; false sends the text alone.
   */
  trustedDocuments?: boolean;
  /**
   * Send messages and the other small mutations of a live chat (markRead, setTyping, addReaction,
   * removeReaction) on the WebSocket when it is open already (for subscriptions), as graphql-ws
   * operations: the result frame is the answer, with the same errors as over HTTP. No open socket,
   * or a socket that drops before the answer: over HTTP (the mutation is sent again; sendMessage
   * with its clientMessageId, so never twice). A socket is never opened just to send. Default true;
   * false sends everything over HTTP.
   */
  sendOverSocket?: boolean;
}

/** Per-call options of queries and mutations. */
export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * Safe to send twice (queries are): when a replica of a URL list cannot be reached, the request is
   * sent to the next one. For mutations with an idempotency key, like sendMessage's clientMessageId.
   */
  idempotent?: boolean;
}

export type ChatClientEvents = SessionEvents & RealtimeEvents;

/* ----- The typed functions, derived from the generated documents ----- */

type ResultOf<D> = D extends TypedDocumentNode<infer R, infer _V> ? R : never;
type VariablesOf<D> = D extends TypedDocumentNode<infer _R, infer V> ? V : never;
/** Every operation selects one root field; a function resolves with its value. */
type FieldOf<R> = R[keyof R];
/** No variables → no argument; only `input` → the input itself; otherwise the variables. */
type Args<V> = string extends keyof V
  ? []
  : keyof V extends 'input'
    ? V extends { input: infer I }
      ? Partial<I> extends I
        ? [input?: I]
        : [input: I]
      : never
    : Partial<V> extends V
      ? [variables?: V]
      : [variables: V];

type Operations<T> = {
  [K in keyof T]: (...args: [...Args<VariablesOf<T[K]>>, options?: RequestOptions]) => Promise<FieldOf<ResultOf<T[K]>>>;
};
type Subscriptions<T> = {
  [K in keyof T]: (
    ...args: [...Args<VariablesOf<T[K]>>, handlers?: SubscriptionHandlers<FieldOf<ResultOf<T[K]>>>]
  ) => LiveSubscription<FieldOf<ResultOf<T[K]>>>;
};

export type QueryFunctions = Operations<typeof queries>;
export type MutationFunctions = Operations<typeof mutations>;
export type SubscriptionFunctions = Subscriptions<typeof subscriptions>;

export type Message = MessageFieldsFragment;
export type Room = RoomFieldsFragment;
export type RoomEvent = RoomEventFieldsFragment;
export type AuthPayload = AuthPayloadFieldsFragment;
export type Attachment = AttachmentFieldsFragment;
export type Notification = NotificationFieldsFragment;

/** The session-keeping versions of the auth mutations. */
export interface AuthFunctions {
  /** Creates an account and signs this client in with it. */
  register(input: RegisterInput, options?: RequestOptions): Promise<AuthPayload>;
  /** Signs this client in. */
  login(input: LoginInput, options?: RequestOptions): Promise<AuthPayload>;
  /**
   * Gets a new access token now (the client does this by itself when needed) and resolves with the
   * new session, or null if the refresh token was refused (the client is signed out).
   */
  refreshToken(): Promise<Session | null>;
  /** Ends the session (every session of the user with `allSessions`) and forgets the tokens. */
  logout(input?: Omit<LogoutInput, 'refreshToken'>, options?: RequestOptions): Promise<boolean>;
  /** Changes the password: every other session ends, this client gets a fresh one. */
  changePassword(input: ChangePasswordInput, options?: RequestOptions): Promise<AuthPayload>;
}

/** One room: its stream, and shortcuts for what is done in it. */
export interface RoomHandle {
  readonly id: string;
  /**
   * Every message of the room in seq order, exactly once, starting after `afterSeq` (default: the
   * room's newest message now): reconnections, replica failover and token refreshes lose and repeat
   * nothing. Iterate it, or `onMessage(cb)`; `close()` ends it.
   */
  messages(options?: MessageStreamOptions): MessageStream<Message>;
  /** Everything that happens in the room (roomEvents), live; no gap recovery. */
  events(handlers?: SubscriptionHandlers<RoomEvent>): LiveSubscription<RoomEvent>;
  /** The room now (null if it does not exist). */
  get(options?: RequestOptions): Promise<Room | null>;
  /** A page of history: the newest 50 by default; `last`/`before` to page back. Oldest first. */
  history(
    page?: { first?: number; after?: string; last?: number; before?: string },
    options?: RequestOptions,
  ): Promise<MessageConnectionFieldsFragment>;
  /**
   * Sends a message, with an idempotency key (generated unless given): safe to retry. With
   * `attachments` (uploads of this room, by id or as `upload` returned them; at most 10) the body
   * may be empty.
   */
  send(
    message: string | { body?: string; attachments?: readonly (string | { id: string })[] },
    options?: RequestOptions & { clientMessageId?: string },
  ): Promise<Message>;
  /**
   * Uploads a file to the room (a Blob or File; `filename` names a Blob, or renames a File), as a
   * multipart request. Send it within 24 hours with `send({ attachments: [attachment] })`.
   */
  upload(file: Blob, options?: RequestOptions & { filename?: string }): Promise<Attachment>;
  join(options?: RequestOptions): Promise<Room>;
  leave(options?: RequestOptions): Promise<Room>;
  invite(username: string, options?: RequestOptions): Promise<Room>;
  markRead(seq: number, options?: RequestOptions): Promise<Room>;
  setTyping(typing: boolean, options?: RequestOptions): Promise<boolean>;
  /** The thread of one of the room's top-level messages. */
  thread(rootId: string): ThreadHandle;
  /** Roles and moderation: members with roles, settings, removing, banning, muting, reports. */
  readonly moderation: RoomModeration;
}

/** A page of a list, newest first or by name, and the cursor to page on with. */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * What owners and moderators do in a room (API.md, "Roles and moderation"); each resolves with the
 * room as it is afterwards. Refusals reject with a ChatError (FORBIDDEN, BAD_USER_INPUT with its
 * `field`, CONFLICT for the last owner stepping down).
 */
export interface RoomModeration {
  /** The members with their roles, by username. */
  members(page?: { first?: number; after?: string }, options?: RequestOptions): Promise<Page<RoomMemberFieldsFragment>>;
  /** Name (owners), topic and slow mode (0–3600 s; owners and moderators). Left out: unchanged. */
  update(
    settings: { name?: string; topic?: string | null; slowModeSeconds?: number },
    options?: RequestOptions,
  ): Promise<Room>;
  /** Owners only; the last owner cannot step down. */
  setRole(userId: string, role: RoomRole, options?: RequestOptions): Promise<Room>;
  /** Kicks a member (they may rejoin a PUBLIC room); their streams of a PRIVATE room end with FORBIDDEN. */
  remove(userId: string, reason?: string, options?: RequestOptions): Promise<Room>;
  /** Removes and bans until `until` (a Date or ISO string; at most a year ahead), or for good. */
  ban(userId: string, ban?: { reason?: string; until?: Date | string }, options?: RequestOptions): Promise<Room>;
  unban(userId: string, options?: RequestOptions): Promise<Room>;
  /** No sending, reacting or typing until `until`. */
  mute(userId: string, until: Date | string, reason?: string, options?: RequestOptions): Promise<Room>;
  unmute(userId: string, options?: RequestOptions): Promise<Room>;
  /** Owners: the room becomes read-only (or writable again). */
  archive(options?: RequestOptions): Promise<Room>;
  unarchive(options?: RequestOptions): Promise<Room>;
  /** Reports of the room's messages, newest first (owners and moderators). */
  reports(
    page?: { first?: number; after?: string },
    options?: RequestOptions,
  ): Promise<Page<MessageReportFieldsFragment>>;
  /** What owners and moderators did, newest first (owners). */
  auditLog(
    page?: { first?: number; after?: string },
    options?: RequestOptions,
  ): Promise<Page<AuditEntryFieldsFragment>>;
}

/** One thread: its replies live, a page of them, and replying. */
export interface ThreadHandle {
  readonly rootId: string;
  /**
   * The thread's replies in seq order, exactly once, from `afterSeq` on (default: now), with the
   * guarantees of the room's stream, which it follows (replies are room messages with a seq).
   */
  replies(options?: Omit<MessageStreamOptions, 'only'>): MessageStream<Message>;
  /** A page of replies, oldest first: the newest 50 by default; `last`/`before` to page back. */
  history(
    page?: { first?: number; after?: string; last?: number; before?: string },
    options?: RequestOptions,
  ): Promise<MessageConnectionFieldsFragment>;
  /** Sends a reply, with an idempotency key (generated unless given): safe to retry. */
  reply(body: string, options?: RequestOptions & { clientMessageId?: string }): Promise<Message>;
}

/**
 * The client. Every query and mutation is a function of the client named after its field
 * (`client.sendMessage(input)`), and also of `client.query` / `client.mutate`; subscriptions are in
 * `client.subscribe`. `client.room(id)` is a room's handle, so the `room` query is `client.query.room`.
 */
export type ChatClient = Omit<QueryFunctions & MutationFunctions, keyof AuthFunctions | 'room' | 'notifications'> &
  AuthFunctions & {
    /** Every query. */
    readonly query: QueryFunctions;
    /** Every mutation (the auth ones keep the session). */
    readonly mutate: Omit<MutationFunctions, keyof AuthFunctions> & AuthFunctions;
    /** The subscriptions, as async iterators (or with handlers). */
    readonly subscribe: SubscriptionFunctions;
    /** A room by id: its reliable message stream and shortcuts. */
    room(roomId: string): RoomHandle;
    /**
     * The viewer's new notifications, each exactly once, across reconnections and failover (what
     * came while the socket was down is read from the inbox). The inbox page itself is
     * `client.query.notifications`.
     */
    notifications(
      options?: NotificationStreamOptions,
      handlers?: SubscriptionHandlers<Notification>,
    ): LiveSubscription<Notification>;
    /** Any query or mutation document (e.g. your own); resolves with the whole `data`. */
    request<TData, TVariables extends Record<string, unknown>>(
      document: TypedDocumentNode<TData, TVariables> | string,
      variables?: TVariables,
      options?: RequestOptions,
    ): Promise<TData>;
    /** Any subscription document; yields each event's whole `data`. */
    subscribeTo<TData, TVariables extends Record<string, unknown>>(
      document: TypedDocumentNode<TData, TVariables> | string,
      variables?: TVariables,
      handlers?: SubscriptionHandlers<TData>,
    ): LiveSubscription<TData>;
    /** The current session, or null for a guest. */
    getSession(): Promise<Session | null>;
    /** Listens to the client's events (session, refreshed, signedOut, connecting, connected, closed, error). */
    on<K extends keyof ChatClientEvents>(event: K, listener: (value: ChatClientEvents[K]) => void): () => void;
    /** Ends every subscription and stream and closes the socket. */
    close(): Promise<void>;
  };

/* ----- Implementation ----- */

interface PreparedOperation {
  request: Omit<GraphQLRequest, 'variables'>;
  /** The trusted document id of the SDK's own operations (none for documents given by the caller). */
  documentId?: string;
  kind: 'query' | 'mutation' | 'subscription';
  /** Whether the function takes no variables, or only `input`. */
  shape: 'none' | 'input' | 'variables';
  /** One of the mutations sent on an open socket: whether these variables may go (SOCKET_MUTATIONS). */
  overSocket?: (variables: Record<string, unknown> | undefined) => boolean;
}

/**
 * The mutations a live chat fires often, sent on the open socket (`sendOverSocket`). Each is safe to
 * send twice — a socket may drop after the server ran it and before the answer came, and then it
 * goes again over HTTP: sendMessage with a clientMessageId (the server answers a repeat with the
 * first message; room.send and thread.reply always give one, and without one it goes over HTTP);
 * read marks, typing and reactions set a state. None carries files: uploads stay on HTTP.
 */
const SOCKET_MUTATIONS: Record<string, (variables: Record<string, unknown> | undefined) => boolean> = {
  sendMessage: (variables) => typeof (variables?.input as { clientMessageId?: unknown })?.clientMessageId === 'string',
  markRead: () => true,
  setTyping: () => true,
  addReaction: () => true,
  removeReaction: () => true,
};

const prepared = new WeakMap<object, PreparedOperation>();
/** The SDK's generated documents: only these are sent by id (a caller's document may reuse a name). */
const ownDocuments = new Set<object>([queries, mutations, subscriptions].flatMap((table) => Object.values(table)));

function prepare(document: DocumentNode | string): PreparedOperation {
  if (typeof document === 'string') {
    const kind = /^\s*(subscription|mutation)\b/.exec(document)?.[1] as 'subscription' | 'mutation' | undefined;
    return { request: { query: document }, kind: kind ?? 'query', shape: 'variables' };
  }
  let operation = prepared.get(document);
  if (!operation) {
    const definition = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    if (!definition) throw new Error('The document has no operation');
    const variables = definition.variableDefinitions ?? [];
    const name = definition.name?.value;
    const own = name !== undefined && ownDocuments.has(document);
    const root = definition.selectionSet.selections[0];
    const field = root?.kind === Kind.FIELD ? root.name.value : '';
    operation = {
      request: { query: print(document), operationName: name },
      ...(own ? { documentId: documentIds[name] } : {}),
      ...(own && definition.operation === 'mutation' && Object.hasOwn(SOCKET_MUTATIONS, field)
        ? { overSocket: SOCKET_MUTATIONS[field] }
        : {}),
      kind: definition.operation as PreparedOperation['kind'],
      shape:
        variables.length === 0
          ? 'none'
          : variables.length === 1 && variables[0]!.variable.name.value === 'input'
            ? 'input'
            : 'variables',
    };
    prepared.set(document, operation);
  }
  return operation;
}

/** Splits a generated function's arguments into variables and the trailing options/handlers. */
function splitArgs(shape: PreparedOperation['shape'], args: unknown[]): [Record<string, unknown> | undefined, unknown] {
  if (shape === 'none') return [undefined, args[0]];
  const [first, rest] = args;
  if (shape === 'input') return [{ input: first ?? {} }, rest];
  return [first as Record<string, unknown> | undefined, rest];
}

/** How a request names its trusted document (Apollo's persisted-query extension, which servers know). */
const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

const isUnknownDocument = (error: unknown) =>
  isChatError(error, 'NOT_FOUND') && error.message === 'PersistedQueryNotFound';

/** The value of the one root field of `data`. */
const rootValue = (data: Record<string, unknown>) => data[Object.keys(data)[0]!];

function sessionOf(payload: AuthPayload): Session {
  return {
    accessToken: payload.accessToken,
    accessTokenExpiresAt: payload.accessTokenExpiresAt,
    refreshToken: payload.refreshToken,
    refreshTokenExpiresAt: payload.refreshTokenExpiresAt,
    user: { id: payload.user.id, username: payload.user.username, displayName: payload.user.displayName },
  };
}

function newClientMessageId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

/** Mutations that carry no access token (they are how one gets one, or end one by refresh token). */
const WITHOUT_TOKEN = new Set(['register', 'login', 'refreshToken', 'logout']);

/**
 * A client of the chat API: every operation as a typed function, a session that refreshes itself,
 * and reliable room streams. See README.md.
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const http: EndpointPicker = endpointPicker(options.url);
  const events = new Emitter<ChatClientEvents>();
  const streams = new Set<MessageStream<Message>>();
  const live = new Set<LiveSubscription<unknown>>();
  let closed = false;
  const documentIdOf = (operation: PreparedOperation) =>
    options.trustedDocuments === false ? undefined : operation.documentId;
  /** An operation's request: its text, and its trusted document id when it has one. */
  const requestOf = (operation: PreparedOperation, variables?: Record<string, unknown>): GraphQLRequest => {
    const documentId = documentIdOf(operation);
    return {
      ...operation.request,
      ...(variables ? { variables } : {}),
      ...(documentId ? { extensions: persistedQuery(documentId) } : {}),
    };
  };
  /** Trusted document ids the server answered PersistedQueryNotFound for. */
  const unknownIds = new Set<string>();

  /**
   * Runs one of the SOCKET_MUTATIONS on the realtime socket if it is open: its data, or the ChatError
   * HTTP would give (the same codes and fields). Undefined sends it over HTTP instead: no open
   * socket; the socket closed before the answer (safe: these mutations may go twice); or the
   * connection refused it before running it (a FORBIDDEN without a path: the server's limit of
   * operations per socket), which HTTP answers for itself.
   */
  const overSocket = async (
    operation: PreparedOperation,
    variables: Record<string, unknown> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown> | undefined> => {
    if (options.sendOverSocket === false || !realtimeClient || !operation.overSocket?.(variables)) return undefined;
    const outcome = await realtimeClient.run(requestOf(operation, variables), signal);
    if (!outcome || 'lost' in outcome) return undefined;
    const { data, errors } = outcome.result;
    if (errors?.length) {
      const error = ChatError.fromGraphQLErrors(errors as GraphQLErrorLike[]);
      if (error.code === 'FORBIDDEN' && errors.every((e) => !e.path)) return undefined;
      throw error;
    }
    return data ?? undefined;
  };

  const execute = async (
    document: DocumentNode | string,
    variables: Record<string, unknown> | undefined,
    requestOptions: RequestOptions & { withToken?: boolean } = {},
  ): Promise<Record<string, unknown>> => {
    if (closed) throw new ChatError('CLOSED', 'The client is closed');
    const operation = prepare(document);
    // Per-call headers travel on HTTP only.
    if (!requestOptions.headers) {
      const data = await overSocket(operation, variables, requestOptions.signal);
      if (data) return data;
    }
    const request = requestOf(operation, variables);
    const documentId = documentIdOf(operation);
    // Over HTTP a known document goes by its id alone.
    if (documentId && !unknownIds.has(documentId)) delete request.query;
    const idempotent = requestOptions.idempotent ?? operation.kind === 'query';
    const headers = { ...options.headers, ...requestOptions.headers };
    let unreachable = 0;
    let refreshed = false;
    for (;;) {
      const url = await http.current();
      const token = requestOptions.withToken === false ? null : await session.accessToken();
      try {
        return await postGraphQL(fetchImpl, url, request, { token, headers, signal: requestOptions.signal });
      } catch (error) {
        if (isUnreachable(error)) {
          http.failed(url);
          if (idempotent && ++unreachable < http.size) continue;
        } else if (documentId && request.query === undefined && isUnknownDocument(error)) {
          // The server has not got this SDK's manifest: send the text, now and from now on.
          unknownIds.add(documentId);
          request.query = operation.request.query;
          continue;
        } else if (token && !refreshed && isChatError(error, 'UNAUTHENTICATED')) {
          // The token was refused (expired meanwhile, or the server's clock differs): refresh once.
          refreshed = true;
          const fresh = await session.refresh('unauthenticated', token);
          if (fresh && fresh.accessToken !== token) continue;
        }
        throw error;
      }
    }
  };

  const session = new SessionManager(
    options.storage ?? memoryTokens(),
    async (refreshToken) =>
      sessionOf(
        rootValue(
          await execute(mutations.refreshToken, { input: { refreshToken } }, { withToken: false }),
        ) as AuthPayload,
      ),
    events as unknown as Emitter<SessionEvents>,
    options.refreshMarginMs ?? 60_000,
  );

  // Made on the first subscription: a client used for HTTP only needs no WebSocket (Node 20 has none).
  let realtimeClient: Realtime | undefined;
  const realtime = () =>
    (realtimeClient ??= new Realtime({
      endpoint: endpointPicker(options.wsUrl ?? webSocketEndpoint(options.url)),
      webSocketImpl: options.webSocketImpl,
      session,
      events: events as unknown as Emitter<RealtimeEvents>,
      retryWait: options.retryWait,
      keepAliveMs: options.keepAliveMs ?? 10_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 5_000,
    }));

  // Signing in as someone else, or out, reopens the socket under the new identity.
  events.on('session', (next) => realtimeClient?.sessionChanged(next));

  const subscribeTo = <T>(
    document: DocumentNode | string,
    variables: Record<string, unknown> | undefined,
    handlers: SubscriptionHandlers<T> | undefined,
    select: (data: Record<string, unknown>) => T,
  ): LiveSubscription<T> => {
    if (closed) throw new ChatError('CLOSED', 'The client is closed');
    const subscription: LiveSubscription<T> = liveSubscription<T>(
      (sink) =>
        realtime().subscribe<Record<string, unknown>>(requestOf(prepare(document), variables), {
          next: (data) => sink.next(select(data)),
          error: sink.error,
          complete: sink.complete,
        }),
      handlers,
      () => live.delete(subscription as LiveSubscription<unknown>),
    );
    live.add(subscription as LiveSubscription<unknown>);
    return subscription;
  };

  const generated: Record<string, (...args: unknown[]) => unknown> = {};
  const query: Record<string, (...args: unknown[]) => unknown> = {};
  const mutate: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [table, target] of [
    [queries, query],
    [mutations, mutate],
  ] as const) {
    for (const [name, document] of Object.entries(table)) {
      const operation = prepare(document);
      generated[name] = target[name] = async (...args: unknown[]) => {
        const [variables, requestOptions] = splitArgs(operation.shape, args);
        const data = await execute(document, variables, {
          ...(requestOptions as RequestOptions | undefined),
          ...(WITHOUT_TOKEN.has(name) ? { withToken: false } : {}),
        });
        return rootValue(data);
      };
    }
  }
  const subscribe: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [name, document] of Object.entries(subscriptions)) {
    const operation = prepare(document);
    subscribe[name] = (...args: unknown[]) => {
      const [variables, handlers] = splitArgs(operation.shape, args);
      return subscribeTo(document, variables, handlers as SubscriptionHandlers<unknown> | undefined, rootValue);
    };
  }
  const call = generated as unknown as QueryFunctions & MutationFunctions;

  const auth: AuthFunctions = {
    async register(input, requestOptions) {
      const payload = (await call.register(input, requestOptions)) as AuthPayload;
      await session.set(sessionOf(payload));
      return payload;
    },
    async login(input, requestOptions) {
      const payload = (await call.login(input, requestOptions)) as AuthPayload;
      await session.set(sessionOf(payload));
      return payload;
    },
    refreshToken: () => session.refresh('manual'),
    async logout(input = {}, requestOptions) {
      const current = await session.get();
      if (!current) return false;
      try {
        return await call.logout({ ...input, refreshToken: current.refreshToken }, requestOptions);
      } finally {
        await session.set(null);
        events.emit('signedOut', { reason: 'logout' });
      }
    },
    async changePassword(input, requestOptions) {
      const payload = (await call.changePassword(input, requestOptions)) as AuthPayload;
      await session.set(sessionOf(payload));
      return payload;
    },
  };

  const host: StreamHost<Message> = {
    lastSeq: async (roomId) => {
      const room = await call.room({ id: roomId });
      if (!room) throw new ChatError('NOT_FOUND', 'Room not found');
      return room.lastSeq;
    },
    messagesSince: (roomId, afterSeq, first) => call.messagesSince({ roomId, afterSeq, first }),
    subscribe: (roomId, sink) =>
      realtime().subscribe<{ messageAdded: Message }>(requestOf(prepare(subscriptions.messageAdded), { roomId }), {
        next: (data) => sink.next(data.messageAdded),
        error: sink.error,
        complete: sink.complete,
        // An event the server could not resolve: its message is fetched with the gap.
        eventError: sink.eventError,
        listening: sink.listening,
      }),
    onConnected: (listener) => events.on('connected', () => listener()),
  };

  const messageStream = (roomId: string, streamOptions?: MessageStreamOptions<Message>) => {
    if (closed) throw new ChatError('CLOSED', 'The client is closed');
    realtime(); // a missing WebSocket implementation shows here, not later
    const stream = new MessageStream<Message>(host, roomId, streamOptions);
    streams.add(stream);
    stream.on('end', () => streams.delete(stream));
    return stream;
  };

  const thread = (roomId: string, rootId: string): ThreadHandle => ({
    rootId,
    replies: (streamOptions) =>
      messageStream(roomId, { ...streamOptions, only: (message) => message.threadRootId === rootId }),
    history: (page = {}, requestOptions) => call.threadMessages({ messageId: rootId, ...page }, requestOptions),
    reply: (body, { clientMessageId = newClientMessageId(), ...requestOptions } = {}) =>
      call.sendMessage(
        { roomId, body, clientMessageId, threadRootId: rootId },
        { idempotent: true, ...requestOptions },
      ),
  });

  const room = (roomId: string): RoomHandle => ({
    id: roomId,
    messages: (streamOptions) => messageStream(roomId, streamOptions),
    thread: (rootId) => thread(roomId, rootId),
    events: (handlers) => subscribe.roomEvents!({ roomId }, handlers) as LiveSubscription<RoomEvent>,
    get: (requestOptions) => call.room({ id: roomId }, requestOptions),
    history: (page = {}, requestOptions) => call.messages({ roomId, ...page }, requestOptions),
    send: (message, { clientMessageId = newClientMessageId(), ...requestOptions } = {}) => {
      const { body = '', attachments = [] } = typeof message === 'string' ? { body: message } : message;
      const attachmentIds = attachments.map((a) => (typeof a === 'string' ? a : a.id));
      return call.sendMessage(
        { roomId, body, clientMessageId, ...(attachmentIds.length ? { attachmentIds } : {}) },
        { idempotent: true, ...requestOptions },
      );
    },
    upload: (file, { filename, ...requestOptions } = {}) =>
      call.uploadAttachment(
        { roomId, file: filename ? new File([file], filename, { type: file.type }) : file },
        requestOptions,
      ),
    join: (requestOptions) => call.joinRoom({ roomId }, requestOptions),
    leave: (requestOptions) => call.leaveRoom({ roomId }, requestOptions),
    invite: (username, requestOptions) => call.inviteToRoom({ roomId, username }, requestOptions),
    markRead: (seq, requestOptions) => call.markRead({ roomId, seq }, requestOptions),
    setTyping: (typing, requestOptions) => call.setTyping({ roomId, typing }, requestOptions),
    moderation: moderation(roomId),
  });

  const isoOf = (at: Date | string) => (at instanceof Date ? at.toISOString() : at);
  const pageOf = <T>(connection: {
    edges: { node: T }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }): Page<T> => ({
    items: connection.edges.map((edge) => edge.node),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  });
  const moderation = (roomId: string): RoomModeration => ({
    members: async (page = {}, requestOptions) => {
      const found = await call.roomMemberships({ roomId, ...page }, requestOptions);
      if (!found) throw new ChatError('NOT_FOUND', 'Room not found');
      return pageOf(found.memberships);
    },
    update: (settings, requestOptions) => call.updateRoom({ roomId, ...settings }, requestOptions),
    setRole: (userId, role, requestOptions) => call.setMemberRole({ roomId, userId, role }, requestOptions),
    remove: (userId, reason, requestOptions) => call.removeMember({ roomId, userId, reason }, requestOptions),
    ban: (userId, { reason, until } = {}, requestOptions) =>
      call.banMember({ roomId, userId, reason, ...(until ? { until: isoOf(until) } : {}) }, requestOptions),
    unban: (userId, requestOptions) => call.unbanMember({ roomId, userId }, requestOptions),
    mute: (userId, until, reason, requestOptions) =>
      call.muteMember({ roomId, userId, until: isoOf(until), reason }, requestOptions),
    unmute: (userId, requestOptions) => call.unmuteMember({ roomId, userId }, requestOptions),
    archive: (requestOptions) => call.archiveRoom({ roomId }, requestOptions),
    unarchive: (requestOptions) => call.unarchiveRoom({ roomId }, requestOptions),
    reports: async (page = {}, requestOptions) => pageOf(await call.roomReports({ roomId, ...page }, requestOptions)),
    auditLog: async (page = {}, requestOptions) => pageOf(await call.roomAuditLog({ roomId, ...page }, requestOptions)),
  });

  const notificationHost: NotificationHost<Notification> = {
    subscribe: (sink) =>
      realtime().subscribe<{ notificationAdded: Notification }>(requestOf(prepare(subscriptions.notificationAdded)), {
        next: (data) => sink.next(data.notificationAdded),
        error: sink.error,
        complete: sink.complete,
        listening: sink.listening,
      }),
    page: async (after, first) => {
      const page = await call.notifications({ first, after });
      return {
        nodes: page.edges.map((edge) => edge.node),
        endCursor: page.pageInfo.endCursor ?? null,
        hasNextPage: page.pageInfo.hasNextPage,
      };
    },
    onConnected: (listener) => events.on('connected', () => listener()),
  };

  const notifications = (
    streamOptions?: NotificationStreamOptions,
    handlers?: SubscriptionHandlers<Notification>,
  ): LiveSubscription<Notification> => {
    if (closed) throw new ChatError('CLOSED', 'The client is closed');
    realtime();
    const subscription: LiveSubscription<Notification> = notificationStream(
      notificationHost,
      streamOptions,
      handlers,
      () => live.delete(subscription as LiveSubscription<unknown>),
    );
    live.add(subscription as LiveSubscription<unknown>);
    return subscription;
  };

  const client = {
    ...generated,
    ...auth,
    query,
    mutate: { ...mutate, ...auth },
    subscribe: subscribe as unknown as SubscriptionFunctions,
    room,
    notifications,
    request: async (
      document: DocumentNode | string,
      variables?: Record<string, unknown>,
      requestOptions?: RequestOptions,
    ) => execute(document, variables, requestOptions),
    subscribeTo: (
      document: DocumentNode | string,
      variables?: Record<string, unknown>,
      handlers?: SubscriptionHandlers<unknown>,
    ) => subscribeTo(document, variables, handlers, (data) => data),
    getSession: () => session.get(),
    on: <K extends keyof ChatClientEvents>(event: K, listener: (value: ChatClientEvents[K]) => void) =>
      events.on(event, listener),
    async close() {
      if (closed) return;
      closed = true;
      for (const stream of [...streams]) stream.close();
      for (const subscription of [...live]) subscription.close();
      session.close();
      await realtimeClient?.dispose();
    },
  };
  return client as unknown as ChatClient;
}
