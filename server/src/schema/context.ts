import type { RequestLog } from '../infra/logger.js';
import type { Frame } from '../realtime/frames.js';
import type { ViewerSlots } from '../realtime/viewer-slots.js';
import type { Services } from '../services.js';

/** Who is asking: a signed-in user, or nobody (a guest). */
export interface Viewer {
  userId: string;
  /** The session (refresh-token family) the access token was issued to. */
  sessionId: string;
  /** Expiry of the access token that identified the viewer (ms since epoch). */
  tokenExpiresAt: number;
}

/** The signed-in user's id, or null for a guest. */
export const viewerIdOf = (ctx: Pick<Context, 'viewer'>): string | null => ctx.viewer?.userId ?? null;

/**
 * Field options of a field whose value depends on who asks (beyond whether they may see it at all):
 * live events are executed once for all subscribers unless their document selects one of these
 * (realtime/shared-execution.ts).
 */
export const viewerDependent = { extensions: { viewerDependent: true } } as const;

/**
 * Field options of a leaf whose value depends on who asks but is cheap to answer for anyone from
 * its parent: a live event is still executed once, the resolver records the answer for any viewer
 * with `ctx.viewerSlots` when given one, and each subscriber's frame gets its own value.
 */
export const viewerSlot = { extensions: { viewerDependent: 'slot' } } as const;

/** How a request reached the server: plain HTTP, a WebSocket (graphql-ws), or server-sent events (graphql-sse). */
export type Transport = 'http' | 'ws' | 'sse';

/** The context of every GraphQL execution, on HTTP and on WebSocket alike. */
export interface Context {
  requestId: string;
  viewer: Viewer | null;
  /** The client's address (behind a trusted proxy, the one it reported). */
  clientAddress: string;
  userAgent: string | null;
  transport: Transport;
  /** HTTP only: the request's cookies, and Set-Cookie values to add to the response. */
  http: { cookie: string | null; setCookies: string[] } | null;
  /** Made when first written to. */
  log: RequestLog;
  services: Services;
  /** A subscription over WebSocket: writes frames of this operation straight to its socket. */
  live?: LiveOperation;
  /** A live event's one execution for every viewer: where `viewerSlot` fields record their answers. */
  viewerSlots?: ViewerSlots;
}

export interface LiveOperation {
  /** The graphql-ws operation id. */
  id: string;
  /** `nextHead(id)`: the start of this operation's `next` messages, made once. */
  head: Buffer;
  /** Writes one of this operation's frames to its socket, if it is still open. */
  send(frame: Frame): void;
  /**
   * Tells the client the subscription listens now: whatever is published from here on reaches it,
   * and what was stored before is for messagesSince (transport/policy.ts, `Connection.listening`).
   */
  listening(): void;
}
