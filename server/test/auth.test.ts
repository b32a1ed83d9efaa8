import jwt from 'jsonwebtoken';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataDir, freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { errorCode, gql } from './support/graphql.js';
import { baseEnv, spawnReplicas, startServer, type TestServer } from './support/server.js';
import { AUTH_FIELDS, login, refresh, registerUser, uniqueName } from './support/users.js';

const SECRET = baseEnv.JWT_SECRET;
const ME = '{ me { id username } }';
const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;

const databaseEnv = () => freshDatabaseEnv(cleanups);

beforeAll(async () => {
  server = await startServer({
    ...(await databaseEnv()),
    LOGIN_MAX_FAILURES_PER_USER: '3',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1000',
  });
  cleanups.push(server.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const me = (token: string) => gql(server.url, ME, undefined, { token });
const register = (input: Record<string, unknown>) =>
  gql(server.url, `mutation ($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`, { input });

describe('Mutation.register', () => {
  it('creates the user and signs them in', async () => {
    const username = uniqueName('Alice');
    const result = await register({ username, password: 'long enough', displayName: '  Alice A.  ' });
    expect(result.errors).toBeUndefined();
    const payload = result.data!.register;
    expect(payload.user).toMatchObject({ username, displayName: 'Alice A.' });
    expect(new Date(payload.accessTokenExpiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(new Date(payload.accessTokenExpiresAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const claims = jwt.verify(payload.accessToken, SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({
      iss: 'chat',
      aud: 'chat-api',
      sub: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect((await me(payload.accessToken)).data).toEqual({ me: { id: payload.user.id, username } });
  });

  it('refuses a username taken in any case, with CONFLICT', async () => {
    const username = uniqueName('Bob');
    await registerUser(server.url, username);
    const again = await register({ username: username.toUpperCase(), password: 'long enough' });
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.errors![0]!.extensions).toMatchObject({ field: 'username' });
  });

  it.each([
    [{ username: 'ab', password: 'long enough' }, 'username'],
    [{ username: 'x'.repeat(33), password: 'long enough' }, 'username'],
    [{ username: 'has space', password: 'long enough' }, 'username'],
    [{ username: 'ok_name', password: 'short12' }, 'password'],
    [{ username: 'ok_name', password: 'p'.repeat(257) }, 'password'],
    [{ username: 'ok_name', password: 'long enough', displayName: 'd'.repeat(65) }, 'displayName'],
  ])('refuses %o with BAD_USER_INPUT naming the field', async (input, field) => {
    const result = await register({ ...input, username: input.username === 'ok_name' ? uniqueName() : input.username });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.field).toBe(field);
    expect(result.errors![0]!.message).toMatch(new RegExp(`^${field} `));
  });
});

describe('Mutation.login', () => {
  it('signs in with the right password, in any case of the username', async () => {
    const user = await registerUser(server.url);
    const result = await login(server.url, user.user.username.toUpperCase(), user.password);
    expect(result.data!.login.user.id).toBe(user.user.id);
    expect((await me(result.data!.login.accessToken)).data!.me.id).toBe(user.user.id);
  });

  it('refuses a wrong password and an unknown user with the same error', async () => {
    const user = await registerUser(server.url);
    const wrong = await login(server.url, user.user.username, 'not the password');
    const unknown = await login(server.url, uniqueName('nobody'), 'not the password');
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0]!.message).toBe(unknown.errors![0]!.message);
  });

  it('is refused with RATE_LIMITED after repeated failures, even with the right password', async () => {
    const user = await registerUser(server.url);
    for (let i = 0; i < 3; i++)
      expect(errorCode(await login(server.url, user.user.username, 'wrong password'))).toBe('UNAUTHENTICATED');
    const limited = await login(server.url, user.user.username, user.password);
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    expect(limited.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);
    // Other accounts are not affected.
    const other = await registerUser(server.url);
    expect((await login(server.url, other.user.username, other.password)).data!.login).toBeTruthy();
  });
});

describe('access tokens', () => {
  let userId: string;
  let globalId: string;
  beforeAll(async () => {
    globalId = (await registerUser(server.url)).user.id;
    userId = Buffer.from(globalId, 'base64').toString().split(':')[1]!;
  });
  const sign = (payload: object, secret = SECRET, options: jwt.SignOptions = {}) =>
    jwt.sign({ sid: '00000000-0000-0000-0000-000000000000', ...payload }, secret, {
      algorithm: 'HS256',
      issuer: 'chat',
      audience: 'chat-api',
      subject: userId,
      ...('exp' in payload ? {} : { expiresIn: 60 }),
      ...options,
    });

  it('a valid token identifies the viewer', async () => {
    expect((await me(sign({}))).data!.me.id).toBe(globalId);
  });

  it.each([
    ['expired', () => sign({ exp: Math.floor(Date.now() / 1000) - 10, iat: Math.floor(Date.now() / 1000) - 100 })],
    ['signed with another secret', () => sign({}, 'another-secret-another-secret-another-secret')],
    ['with the wrong audience', () => sign({}, SECRET, { audience: 'someone-else' })],
    ['with the wrong issuer', () => sign({}, SECRET, { issuer: 'someone-else' })],
    [
      'with alg none',
      () =>
        [
          Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
          Buffer.from(
            JSON.stringify({
              sub: userId,
              sid: 'x',
              iss: 'chat',
              aud: 'chat-api',
              exp: Math.floor(Date.now() / 1000) + 60,
            }),
          ).toString('base64url'),
          '',
        ].join('.'),
    ],
    ['that is not a JWT', () => 'garbage'],
  ])('a token %s is refused with UNAUTHENTICATED', async (_name, token) => {
    const result = await me(token());
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
  });

  it('an Authorization header that is not Bearer is refused', async () => {
    const result = await gql(server.url, ME, undefined, { headers: { authorization: 'Basic abc' } });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });

  it('no token is a guest', async () => {
    expect((await gql(server.url, ME)).data).toEqual({ me: null });
  });
});

describe('Mutation.refreshToken', () => {
  it('rotates: the new token works once, the old one is spent', async () => {
    const user = await registerUser(server.url);
    const first = await refresh(server.url, user.refreshToken);
    const rotated = first.data!.refreshToken;
    expect(rotated.refreshToken).not.toBe(user.refreshToken);
    expect((await me(rotated.accessToken)).data!.me.id).toBe(user.user.id);
    const second = await refresh(server.url, rotated.refreshToken);
    expect(second.data!.refreshToken.refreshToken).toBeTruthy();
  });

  it('reuse of a spent token revokes the whole family', async () => {
    const user = await registerUser(server.url);
    const rotated = (await refresh(server.url, user.refreshToken)).data!.refreshToken;
    // The thief replays the spent token: refused, and the family is revoked…
    expect(errorCode(await refresh(server.url, user.refreshToken))).toBe('UNAUTHENTICATED');
    // …so the legitimate holder's current token no longer works either.
    expect(errorCode(await refresh(server.url, rotated.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('refuses a malformed or unknown token', async () => {
    expect(errorCode(await refresh(server.url, 'nope'))).toBe('UNAUTHENTICATED');
    expect(errorCode(await refresh(server.url, `${crypto.randomUUID()}.${'a'.repeat(43)}`))).toBe('UNAUTHENTICATED');
  });

  it('works from the HttpOnly cookie for browser apps', async () => {
    const user = await registerUser(server.url);
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`,
        variables: { input: { username: user.user.username, password: user.password, setCookie: true } },
      }),
    });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^chat_refresh=[^;]+; Max-Age=\d+; Path=\/graphql; HttpOnly; SameSite=Strict/);
    const viaCookie = await gql(
      server.url,
      `mutation { refreshToken(input: {}) { accessToken user { id } } }`,
      undefined,
      {
        headers: { cookie: cookie.split(';')[0]! },
      },
    );
    expect(viaCookie.data!.refreshToken.user.id).toBe(user.user.id);
    expect(errorCode(await gql(server.url, `mutation { refreshToken(input: {}) { accessToken } }`))).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('Mutation.logout', () => {
  it('ends one session and leaves the others', async () => {
    const user = await registerUser(server.url);
    const other = (await login(server.url, user.user.username, user.password)).data!.login;
    const logout = await gql(server.url, 'mutation ($t: String!) { logout(input: { refreshToken: $t }) }', {
      t: user.refreshToken,
    });
    expect(logout.data).toEqual({ logout: true });
    expect(errorCode(await refresh(server.url, user.refreshToken))).toBe('UNAUTHENTICATED');
    expect((await refresh(server.url, other.refreshToken)).data!.refreshToken).toBeTruthy();
  });

  it('with allSessions ends every session of the user', async () => {
    const user = await registerUser(server.url);
    const other = (await login(server.url, user.user.username, user.password)).data!.login;
    const logout = await gql(
      server.url,
      'mutation ($t: String!) { logout(input: { refreshToken: $t, allSessions: true }) }',
      {
        t: user.refreshToken,
      },
    );
    expect(logout.data).toEqual({ logout: true });
    expect(errorCode(await refresh(server.url, user.refreshToken))).toBe('UNAUTHENTICATED');
    expect(errorCode(await refresh(server.url, other.refreshToken))).toBe('UNAUTHENTICATED');
  });
});

describe('Mutation.changePassword', () => {
  const change = (token: string | undefined, currentPassword: string, newPassword: string) =>
    gql(
      server.url,
      `mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { ${AUTH_FIELDS} } }`,
      { input: { currentPassword, newPassword } },
      { token },
    );

  it('changes the password, revokes the other sessions and returns fresh tokens', async () => {
    const user = await registerUser(server.url);
    const other = (await login(server.url, user.user.username, user.password)).data!.login;
    const result = await change(user.accessToken, user.password, 'a brand new password');
    expect(result.errors).toBeUndefined();
    const fresh = result.data!.changePassword;
    expect((await me(fresh.accessToken)).data!.me.id).toBe(user.user.id);
    expect(errorCode(await refresh(server.url, other.refreshToken))).toBe('UNAUTHENTICATED');
    expect(errorCode(await refresh(server.url, user.refreshToken))).toBe('UNAUTHENTICATED');
    expect((await refresh(server.url, fresh.refreshToken)).data!.refreshToken).toBeTruthy();
    expect(errorCode(await login(server.url, user.user.username, user.password))).toBe('UNAUTHENTICATED');
    expect((await login(server.url, user.user.username, 'a brand new password')).data!.login).toBeTruthy();
  });

  it('refuses a wrong current password, a weak new one, and guests', async () => {
    const user = await registerUser(server.url);
    const wrong = await change(user.accessToken, 'not my password', 'a brand new password');
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0]!.extensions!.field).toBe('currentPassword');
    const weak = await change(user.accessToken, user.password, 'short');
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    expect(weak.errors![0]!.extensions!.field).toBe('newPassword');
    expect(errorCode(await change(undefined, user.password, 'a brand new password'))).toBe('UNAUTHENTICATED');
    // Nothing changed: the old password still works.
    expect((await login(server.url, user.user.username, user.password)).data!.login).toBeTruthy();
  });
});

describe('WebSocket authentication', () => {
  function connect(url: string, authToken?: string) {
    return new Promise<{ code: number; reason: string } | 'connected'>((resolve) => {
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: authToken === undefined ? {} : { authToken },
        on: {
          connected: () => {
            resolve('connected');
            void client.dispose();
          },
          closed: (event) => resolve({ code: (event as CloseEvent).code, reason: (event as CloseEvent).reason }),
        },
        onNonLazyError: () => undefined,
      });
    });
  }

  it('a guest and a signed-in user connect; a bad token is closed with 4401', async () => {
    const user = await registerUser(server.url);
    expect(await connect(server.wsUrl)).toBe('connected');
    expect(await connect(server.wsUrl, user.accessToken)).toBe('connected');
    expect(await connect(server.wsUrl, 'garbage')).toMatchObject({ code: 4401 });
  });

  it('a socket is closed with 4401 when its token expires', async () => {
    const shortLived = await startServer({ ...(await databaseEnv()), ACCESS_TOKEN_TTL: '2s' });
    cleanups.push(shortLived.stop);
    const user = await registerUser(shortLived.url);
    const client = createClient({
      url: shortLived.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authToken: user.accessToken },
      onNonLazyError: () => undefined,
    });
    const closed = await new Promise<{ code: number; at: number }>((resolve) =>
      client.on('closed', (event) => resolve({ code: (event as CloseEvent).code, at: Date.now() })),
    );
    expect(closed.code).toBe(4401);
    expect(closed.at).toBeGreaterThanOrEqual(
      new Date(
        user.accessToken && JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString()).exp * 1000,
      ).getTime() - 50,
    );
    await client.dispose();
  });
});

describe.runIf(hasPostgres && hasRedis)('sign-in limits across replicas', () => {
  it('are shared by two server processes on one Redis', async () => {
    const env = { ...(await databaseEnv()), REDIS_URL: redisUrl, LOGIN_MAX_FAILURES_PER_USER: '4' };
    const {
      processes: [a, b],
      urls: [urlA, urlB],
    } = await spawnReplicas(2, env, cleanups);
    const user = await registerUser(urlA!);
    for (const url of [urlA!, urlB!, urlA!, urlB!]) {
      expect(errorCode(await login(url, user.user.username, 'wrong password'))).toBe('UNAUTHENTICATED');
    }
    for (const url of [urlA!, urlB!]) {
      const limited = await login(url, user.user.username, user.password);
      expect(errorCode(limited)).toBe('RATE_LIMITED');
    }
    // Nothing the servers logged holds the password or a token.
    const logs = a!.output() + b!.output();
    expect(logs).not.toContain(user.password);
    expect(logs).not.toContain(user.refreshToken);
    expect(logs).not.toContain(user.accessToken);
  });
});

describe('the embedded server without JWT_SECRET', () => {
  it('generates a signing secret in DATA_DIR once, so sessions survive a restart', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const first = await startServer({ DATA_DIR: data.dir, JWT_SECRET: undefined });
    const user = await registerUser(first.url);
    await first.stop();
    const second = await startServer({ DATA_DIR: data.dir, JWT_SECRET: undefined });
    cleanups.push(second.stop);
    expect((await gql(second.url, ME, undefined, { token: user.accessToken })).data!.me.id).toBe(user.user.id);
    expect((await refresh(second.url, user.refreshToken)).data!.refreshToken).toBeTruthy();
  });
});
