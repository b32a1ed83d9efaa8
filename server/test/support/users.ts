import { randomBytes } from 'node:crypto';
import { gql } from './graphql.js';

/** A username no other test (or earlier run sharing the same Redis) has used. */
export const uniqueName = (prefix = 'u') => `${prefix}_${randomBytes(5).toString('hex')}`;

export const AUTH_FIELDS =
  'accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt user { id username displayName }';

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; username: string };
  password: string;
}

/** Registers a fresh user over HTTP and returns its session. */
export async function registerUser(
  url: string,
  username = uniqueName(),
  password = 'correct horse battery',
): Promise<Session> {
  const result = await gql(url, `mutation ($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`, {
    input: { username, password },
  });
  if (!result.data?.register) throw new Error(`register failed: ${JSON.stringify(result.errors)}`);
  return { ...result.data.register, password };
}

export async function login(url: string, username: string, password: string, headers?: Record<string, string>) {
  return gql(
    url,
    `mutation ($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`,
    { input: { username, password } },
    { headers },
  );
}

export async function refresh(url: string, refreshToken: string) {
  return gql(url, `mutation ($input: RefreshTokenInput!) { refreshToken(input: $input) { ${AUTH_FIELDS} } }`, {
    input: { refreshToken },
  });
}
