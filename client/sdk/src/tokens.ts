/** What a signed-in client holds: the tokens of `register`, `login` and `refreshToken`. */
export interface Session {
  accessToken: string;
  /** ISO-8601 instant. */
  accessTokenExpiresAt: string;
  /** One-time use: every refresh returns a new one. */
  refreshToken: string;
  refreshTokenExpiresAt?: string;
  user?: { id: string; username: string; displayName?: string | null };
}

/**
 * Where the client keeps its session. `load` is read when the client starts and before every
 * refresh (another tab or process may have refreshed already); `save(null)` signs out.
 */
export interface TokenStorage {
  load(): Session | null | Promise<Session | null>;
  save(session: Session | null): void | Promise<void>;
  /**
   * Runs `task` while no other holder of the same storage runs one (optional). Refresh tokens are
   * single-use, so two tabs refreshing with the same token at once would end the session.
   */
  lock?<T>(task: () => Promise<T>): Promise<T>;
}

/** Keeps the session in memory (the default): it ends with the process or page. */
export function memoryTokens(initial: Session | null = null): TokenStorage {
  let session = initial;
  return {
    load: () => session,
    save: (next) => {
      session = next;
    },
  };
}

/** The parts of the Web Storage API `localStorageTokens` uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Keeps the session in the browser's `localStorage` (under `key`), so it survives reloads and is
 * shared by the tabs of the origin; refreshes are serialised across tabs with the Web Locks API
 * where the browser has it.
 */
export function localStorageTokens(options: { key?: string; storage?: StorageLike } = {}): TokenStorage {
  const key = options.key ?? 'chat.session';
  const storage = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!storage) throw new Error('localStorageTokens: there is no localStorage here; pass { storage }');
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return {
    load() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        const session = JSON.parse(raw) as Session;
        return typeof session?.accessToken === 'string' && typeof session.refreshToken === 'string' ? session : null;
      } catch {
        return null;
      }
    },
    save(session) {
      if (session) storage.setItem(key, JSON.stringify(session));
      else storage.removeItem(key);
    },
    ...(locks ? { lock: <T>(task: () => Promise<T>) => locks.request(`${key}:refresh`, task) } : {}),
  };
}
