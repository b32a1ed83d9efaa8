import type { IncomingMessage } from 'node:http';
import { unauthenticated } from '../errors.js';
import type { Viewer } from '../schema/context.js';
import type { AccessTokens } from './tokens.js';

/** The viewer of an `Authorization` header value: null when absent, UNAUTHENTICATED when bad. */
export function viewerFromAuthorization(tokens: AccessTokens, header: string | null | undefined): Viewer | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <accessToken>"');
  return viewerFromToken(tokens, match[1]!);
}

/** The viewer of a WebSocket's `connection_init` payload `{ authToken }`: null for guests. */
export function viewerFromConnectionParams(
  tokens: AccessTokens,
  params: Record<string, unknown> | undefined,
): Viewer | null {
  const token = params?.authToken;
  if (token === undefined || token === null || token === '') return null;
  if (typeof token !== 'string') throw unauthenticated('authToken must be a string');
  return viewerFromToken(tokens, token);
}

function viewerFromToken(tokens: AccessTokens, token: string): Viewer {
  const claims = tokens.verify(token);
  return { userId: claims.userId, sessionId: claims.sessionId, tokenExpiresAt: claims.expiresAt };
}

/**
 * The client's address: the socket's peer, or — behind a trusted reverse proxy — the address that
 * proxy appended last to X-Forwarded-For (earlier entries come from the client and can be forged).
 */
export function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** Cookie carrying the web client's refresh token (HttpOnly, SameSite=Strict, /graphql only). */
export const REFRESH_COOKIE = 'chat_refresh';

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

export function refreshCookie(value: string | null, expiresAt: Date | null, secure: boolean): string {
  const attributes = ['Path=/graphql', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  if (value === null || expiresAt === null) return [`${REFRESH_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ');
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return [`${REFRESH_COOKIE}=${encodeURIComponent(value)}`, `Max-Age=${maxAge}`, ...attributes].join('; ');
}
