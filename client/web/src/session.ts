/**
 * The signed-in session. The access token lives in memory only; the refresh token is the server's
 * HttpOnly cookie (register and login ask for it with `setCookie: true`), so a reload restores the
 * session with `refreshToken` and no token is ever readable by scripts. The access token is
 * refreshed shortly before it expires and whenever the server refuses it (see client.ts).
 */
import { useSyncExternalStore } from 'react';
import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';
import { graphql } from './gql';
import { GRAPHQL_URL, persisted } from './transport';

export interface Viewer {
  id: string;
  username: string;
  displayName?: string | null;
}

export type SessionState = { status: 'restoring' } | { status: 'guest' } | { status: 'signedIn'; viewer: Viewer };

/** A refusal from the API, with its `extensions.code` (and the input field it names, if any). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

graphql(`
  fragment SessionFields on AuthPayload {
    accessToken
    user {
      id
      username
      displayName
    }
  }
`);

const RegisterMutation = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...SessionFields
    }
  }
`);

const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      ...SessionFields
    }
  }
`);

const RefreshMutation = graphql(`
  mutation Refresh {
    refreshToken(input: {}) {
      ...SessionFields
    }
  }
`);

const LogoutMutation = graphql(`
  mutation Logout($allSessions: Boolean!) {
    logout(input: { allSessions: $allSessions })
  }
`);

/** Sign-in operations go through a client of their own: no cache, no auth exchange, the cookie sent. */
const authClient = new Client({
  url: GRAPHQL_URL,
  exchanges: [...persisted, fetchExchange],
  fetchOptions: { credentials: 'same-origin' },
  preferGetMethod: false,
});

async function run<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const result = await authClient.mutation(document, variables).toPromise();
  const error = result.error?.graphQLErrors[0];
  if (error) {
    const { code, field } = error.extensions as { code?: string; field?: string };
    throw new ApiError(error.message, code ?? 'INTERNAL', field);
  }
  if (!result.data) throw new ApiError('The server could not be reached', 'NETWORK');
  return result.data;
}

/**
 * Set while this browser has a session: a guest who never signed in is not sent to ask the server
 * for one (the refresh cookie itself is out of scripts' reach).
 */
const HAD_SESSION = 'chat:had-session';

/** Refresh this long before the access token expires (at most a quarter of its lifetime). */
const REFRESH_MARGIN_MS = 60_000;

let state: SessionState = { status: 'restoring' };
let accessToken: string | null = null;
/** When the access token expires, on this browser's clock. */
let expiresAt = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();
/** Tells the other tabs when this one signs out. */
const tabs = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('chat-session');

function setState(next: SessionState) {
  state = next;
  for (const listener of listeners) listener();
}

/** The token's lifetime from its own claims, so the browser's clock need not agree with the server's. */
function lifetimeOf(token: string): number {
  const payload = token.split('.')[1] ?? '';
  const { iat, exp } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { iat: number; exp: number };
  return (exp - iat) * 1000;
}

function signedIn(payload: { accessToken: string; user: Viewer }) {
  const lifetime = lifetimeOf(payload.accessToken);
  accessToken = payload.accessToken;
  expiresAt = Date.now() + lifetime;
  clearTimeout(refreshTimer);
  const margin = Math.min(REFRESH_MARGIN_MS, lifetime / 4);
  refreshTimer = setTimeout(() => void refresh(), lifetime - margin);
  localStorage.setItem(HAD_SESSION, '1');
  setState({ status: 'signedIn', viewer: payload.user });
}

function signedOut() {
  accessToken = null;
  expiresAt = 0;
  clearTimeout(refreshTimer);
  localStorage.removeItem(HAD_SESSION);
  setState({ status: 'guest' });
}

tabs?.addEventListener('message', (event) => {
  if (event.data === 'signed-out' && state.status === 'signedIn') signedOut();
});

/** Runs `task` while holding the tabs' shared refresh lock: a refresh token is good for one use only. */
function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  return navigator.locks ? (navigator.locks.request('chat-refresh', task) as Promise<T>) : task();
}

export const session = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  getState: () => state,
  accessToken: () => accessToken,
  /** The signed-in user (null for guests). */
  viewer: () => (state.status === 'signedIn' ? state.viewer : null),
  /** True when the access token expires within 10 s. */
  expiring: () => accessToken !== null && Date.now() > expiresAt - 10_000,
};

/** On load: a refresh cookie from an earlier visit becomes a session; without one, a guest. */
export function restore(): void {
  if (localStorage.getItem(HAD_SESSION)) void refresh();
  else setState({ status: 'guest' });
}

/**
 * Gets a new access token with the refresh cookie; one refresh at a time. Resolves false when there
 * is no session any more (the cookie is missing, expired or revoked: the user is signed out) or
 * the server could not be reached (the session stays; a later refresh may work).
 */
export function refresh(): Promise<boolean> {
  refreshing ??= withRefreshLock(async () => {
    try {
      signedIn((await run(RefreshMutation, {})).refreshToken);
      return true;
    } catch (error) {
      const transient = !(error instanceof ApiError) || ['NETWORK', 'INTERNAL', 'RATE_LIMITED'].includes(error.code);
      if (!transient) signedOut();
      // Unreachable at load: a guest for now; the next load tries the cookie again.
      else if (state.status === 'restoring') setState({ status: 'guest' });
      return false;
    }
  }).finally(() => (refreshing = null));
  return refreshing;
}

export async function register(input: { username: string; password: string; displayName?: string }) {
  signedIn((await run(RegisterMutation, { input: { ...input, setCookie: true } })).register);
}

export async function login(input: { username: string; password: string }) {
  signedIn((await run(LoginMutation, { input: { ...input, setCookie: true } })).login);
}

/** Ends this session, or every session of the user; this browser forgets it either way. */
export async function logout(allSessions: boolean) {
  try {
    await run(LogoutMutation, { allSessions });
  } finally {
    signedOut();
    tabs?.postMessage('signed-out');
  }
}

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.getState);
}
