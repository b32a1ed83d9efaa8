import type { Emitter } from './emitter.js';
import { isChatError, type ChatError } from './errors.js';
import { backgroundTimeout } from './timers.js';
import type { Session, TokenStorage } from './tokens.js';

/** Why the access token is being refreshed. */
export type RefreshReason = 'expiring' | 'unauthenticated' | 'socket-closed-4401' | 'manual';

export interface SessionEvents {
  /** The session changed: signed in, refreshed, or signed out (null). */
  session: Session | null;
  /** A new access token was obtained. */
  refreshed: { reason: RefreshReason; session: Session };
  /** The refresh token was refused (expired, revoked or reused): the client is a guest now. */
  signedOut: { reason: 'logout' | 'refresh-refused' };
  /** A background refresh failed (it is tried again later). */
  error: ChatError | Error;
}

/** The lifetime of a JWT from its claims (exp − iat), when it is one. */
function jwtLifetimeMs(token: string): number | undefined {
  try {
    const payload = token.split('.')[1];
    if (!payload) return undefined;
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: number; exp?: number };
    return typeof claims.iat === 'number' && typeof claims.exp === 'number'
      ? (claims.exp - claims.iat) * 1000
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Holds the session: hands out access tokens, refreshes them `refreshMarginMs` before they expire
 * (a quarter of their lifetime at most, for short-lived ones) and when the server refuses one, with
 * one refresh in flight at a time — every caller who asks meanwhile awaits the same promise.
 */
export class SessionManager {
  private session: Session | null | undefined;
  private loading: Promise<Session | null> | undefined;
  private refreshing: Promise<Session | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly storage: TokenStorage,
    private readonly exchange: (refreshToken: string) => Promise<Session>,
    private readonly events: Emitter<SessionEvents>,
    private readonly refreshMarginMs: number,
  ) {}

  /** The current session (read from the storage the first time), or null for a guest. */
  async get(): Promise<Session | null> {
    if (this.session !== undefined) return this.session;
    this.loading ??= Promise.resolve(this.storage.load()).then((loaded) => {
      if (this.session === undefined) {
        this.session = loaded ?? null;
        this.schedule();
      }
      return this.session;
    });
    return this.loading;
  }

  /** Stores a new session (null signs out) and tells the listeners. */
  async set(session: Session | null): Promise<void> {
    this.session = session;
    await this.storage.save(session);
    this.schedule();
    this.events.emit('session', session);
  }

  /** How long before expiry a token counts as expiring. */
  private marginMs(session: Session): number {
    const lifetime = jwtLifetimeMs(session.accessToken);
    return lifetime === undefined ? this.refreshMarginMs : Math.min(this.refreshMarginMs, lifetime / 4);
  }

  private expiresInMs(session: Session): number {
    return Date.parse(session.accessTokenExpiresAt) - Date.now();
  }

  private expiring(session: Session): boolean {
    return this.expiresInMs(session) <= this.marginMs(session);
  }

  /**
   * The access token to send now, refreshed first when it is about to expire; null for a guest.
   * When the refresh cannot reach the server, the old token is used while it is still valid.
   */
  async accessToken(): Promise<string | null> {
    const session = await this.get();
    if (!session) return null;
    if (!this.expiring(session)) return session.accessToken;
    try {
      return (await this.refresh('expiring', session.accessToken))?.accessToken ?? null;
    } catch (error) {
      if (this.expiresInMs(session) > 0) return session.accessToken;
      throw error;
    }
  }

  /**
   * Gets a new access token. `staleToken` is the token that was refused or is expiring: if the
   * session holds another (fresh) one by the time the refresh would start, that one is used. Resolves
   * with the new session, or null when the refresh token was refused (the client is signed out).
   */
  refresh(reason: RefreshReason, staleToken?: string): Promise<Session | null> {
    if (this.refreshing) return this.refreshing;
    const run = async (): Promise<Session | null> => {
      await this.get();
      // Another tab or process sharing the storage may have refreshed already.
      const stored = await this.storage.load();
      if (stored && stored.refreshToken !== this.session?.refreshToken) this.session = stored;
      const current = this.session;
      if (!current) return null;
      if (reason !== 'manual' && current.accessToken !== staleToken && !this.expiring(current)) return current;
      try {
        const next = await this.exchange(current.refreshToken);
        if (this.session?.refreshToken !== current.refreshToken) return this.session ?? null; // signed out or replaced meanwhile
        await this.set(next);
        this.events.emit('refreshed', { reason, session: next });
        return next;
      } catch (error) {
        if (!isChatError(error, 'UNAUTHENTICATED')) throw error;
        // Refused. If someone else rotated the token meanwhile, theirs is the session now.
        const latest = await this.storage.load();
        if (latest && latest.refreshToken !== current.refreshToken) {
          this.session = latest;
          this.schedule();
          return latest;
        }
        await this.set(null);
        this.events.emit('signedOut', { reason: 'refresh-refused' });
        return null;
      }
    };
    this.refreshing = (this.storage.lock ? this.storage.lock(run) : run()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Refreshes in the background shortly before the access token expires. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const session = this.session;
    if (!session || this.closed) return;
    const dueIn = this.expiresInMs(session) - this.marginMs(session);
    this.timer = backgroundTimeout(() => {
      this.timer = undefined;
      this.refresh('expiring', session.accessToken).catch((error: Error) => {
        this.events.emit('error', error);
        // Try again a little later (the next request or connection also tries).
        if (!this.closed && this.session === session) {
          this.timer = backgroundTimeout(() => this.schedule(), 5_000);
        }
      });
    }, dueIn);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
