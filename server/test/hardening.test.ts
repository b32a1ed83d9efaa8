import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, outcome } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { gql } from './support/graphql.js';
import { connect, eventually, subscribe } from './support/live.js';
import { throughProxy } from './support/proxy.js';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { baseEnv, rawId, spawnReplicas, startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A client address of this test's own, sent as the trusted proxy would (it is only a key here). */
const address = () => `client-${randomUUID()}`;

/** Limits are counted per address: each test claims an address of its own, as if behind the proxy. */
function as(url: string, token: string | undefined, forwardedFor: string) {
  const headers = { 'x-forwarded-for': forwardedFor };
  const call = (query: string, variables?: Record<string, unknown>) => gql(url, query, variables, { token, headers });
  return { call };
}

describe.runIf(hasRedis && hasPostgres)('abuse limits shared by two replicas', () => {
  let urls: string[];
  const WINDOW_MS = 2_000;
  beforeAll(async () => {
    const env = {
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      REDIS_URL: redisUrl,
      TRUST_PROXY: 'true',
      RATE_LIMIT_SEND_MESSAGE: '3/2s',
      RATE_LIMIT_CREATE_ROOM: '3/2s',
      RATE_LIMIT_SET_TYPING: '3/2s',
      RATE_LIMIT_INVITE: '3/2s',
      RATE_LIMIT_REGISTER: '3/2s',
      RATE_LIMIT_CONNECT: '3/2s',
      RATE_LIMIT_ADDRESS_FACTOR: '2',
    };
    ({ urls } = await spawnReplicas(2, env, cleanups));
  });

  /** Runs `attempt` alternately on both replicas: 3 succeed, the 4th is RATE_LIMITED, and after the window it works again. */
  async function expectLimit(
    attempt: (url: string, i: number) => Promise<{ errors?: { extensions?: Record<string, unknown> }[] }>,
  ) {
    for (let i = 0; i < 3; i++)
      expect(outcome((await attempt(urls[i % 2]!, i)) as never), `attempt ${i + 1}`).toBe('OK');
    const refused = await attempt(urls[1]!, 3);
    expect(outcome(refused as never)).toBe('RATE_LIMITED');
    const retryAfterMs = refused.errors![0]!.extensions!.retryAfterMs as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);
    await new Promise((r) => setTimeout(r, retryAfterMs + 100));
    expect(outcome((await attempt(urls[0]!, 4)) as never)).toBe('OK');
  }

  /** A new user, signed up from an address of its own (sign-ups are limited per address). */
  const member = async () => {
    const username = uniqueName();
    const result = await as(urls[0]!, undefined, address()).call(
      'mutation ($i: RegisterInput!) { register(input: $i) { accessToken user { username } } }',
      { i: { username, password: 'long enough password' } },
    );
    return result.data!.register as { accessToken: string; user: { username: string } };
  };

  it('sendMessage, per user', async () => {
    const from = address();
    const user = await member();
    const room = (await chatClient(urls[0]!, user.accessToken).createRoom(uniqueName('limits'))).data!.createRoom.id;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    await expectLimit((url, i) =>
      as(url, user.accessToken, from).call('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
        i: { roomId: room, body: `hello ${i}` },
      }),
    );
  });

  it('sendMessage: a resend of a stored message is answered even when the budget is spent', async () => {
    const from = address();
    const user = await member();
    const room = (await chatClient(urls[0]!, user.accessToken).createRoom(uniqueName('resend'))).data!.createRoom.id;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq clientMessageId } }';
    const send = (i: number, clientMessageId = `resend-${i}`) =>
      as(urls[i % 2]!, user.accessToken, from).call(SEND, { i: { roomId: room, body: `m${i}`, clientMessageId } });
    const first = await send(0);
    for (let i = 1; i < 3; i++) expect(outcome((await send(i)) as never)).toBe('OK');
    expect(outcome((await send(3)) as never)).toBe('RATE_LIMITED');
    // The first send's answer was lost, say: sending it again gets it, and stores nothing new.
    const again = await send(1, 'resend-0');
    expect(again.errors).toBeUndefined();
    expect(again.data!.sendMessage).toEqual(first.data!.sendMessage);
    // A key not used before is a new message: still refused.
    expect(outcome((await send(5, 'resend-new')) as never)).toBe('RATE_LIMITED');
  });

  it('sendMessage, per address: users sharing an address share its budget', async () => {
    const from = address();
    const users = await Promise.all(Array.from({ length: 3 }, () => member()));
    const owner = users[0]!;
    const room = (await chatClient(urls[0]!, owner.accessToken).createRoom(uniqueName('shared'))).data!.createRoom.id;
    for (const u of users.slice(1)) await chatClient(urls[1]!, u.accessToken).joinRoom({ roomId: room });
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    // 3 per user, 6 per address: three users from one address get 6 in all.
    const results = [];
    for (let i = 0; i < 9; i++) {
      const sender = users[i % 3]!;
      results.push(
        outcome(
          (await as(urls[i % 2]!, sender.accessToken, from).call(
            'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
            {
              i: { roomId: room, body: `m${i}` },
            },
          )) as never,
        ),
      );
    }
    expect(results.filter((r) => r === 'OK')).toHaveLength(6);
    expect(results.slice(6)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('createRoom, setTyping and inviteToRoom, per user', async () => {
    const from = address();
    const user = await member();
    await expectLimit((url) =>
      as(url, user.accessToken, from).call('mutation ($i: CreateRoomInput!) { createRoom(input: $i) { id } }', {
        i: { name: uniqueName('r'), kind: 'PRIVATE' },
      }),
    );
    const room = (
      await as(urls[0]!, user.accessToken, address()).call('{ myRooms(first: 1) { edges { node { id } } } }')
    ).data!.myRooms.edges[0].node.id;
    await expectLimit((url, i) =>
      as(url, user.accessToken, from).call('mutation ($i: SetTypingInput!) { setTyping(input: $i) }', {
        i: { roomId: room, typing: i % 2 === 0 },
      }),
    );
    const invitees = await Promise.all(Array.from({ length: 5 }, () => member()));
    await expectLimit((url, i) =>
      as(url, user.accessToken, from).call('mutation ($i: InviteToRoomInput!) { inviteToRoom(input: $i) { id } }', {
        i: { roomId: room, username: invitees[i]!.user.username },
      }),
    );
  });

  it('register, per address', async () => {
    const from = address();
    await expectLimit((url) =>
      as(url, undefined, from).call('mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }', {
        i: { username: uniqueName(), password: 'long enough password' },
      }),
    );
  });

  it('WebSocket connections, per address', async () => {
    const from = address();
    const open = (url: string) =>
      new Promise<number | 'open'>((resolve) => {
        const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
          headers: { 'x-forwarded-for': from },
        });
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
        socket.on('message', (data) => {
          if (JSON.parse(String(data)).type === 'connection_ack') {
            resolve('open');
            socket.close();
          }
        });
        socket.on('close', (code) => resolve(code));
      });
    for (let i = 0; i < 3; i++) expect(await open(urls[i % 2]!)).toBe('open');
    expect(await open(urls[1]!)).toBe(4429);
    await new Promise((r) => setTimeout(r, WINDOW_MS + 100));
    expect(await open(urls[0]!)).toBe('open');
  });
});

describe.runIf(hasRedis && hasPostgres)('abuse limits while Redis is away', () => {
  it('hold, each replica counting alone, and the chat goes on', async () => {
    const redis = await throughProxy(redisUrl!, cleanups);
    const server = await startServer({
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      REDIS_URL: redis.url,
      RATE_LIMIT_SEND_MESSAGE: '3/1m',
    });
    cleanups.push(server.stop);
    const user = await registerUser(server.url);
    const c = chatClient(server.url, user.accessToken);
    const roomId = (await c.createRoom(uniqueName('outage'))).data!.createRoom.id;
    redis.proxy.down();
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(outcome(await c.send(roomId, `while Redis is away ${i}`)));
    redis.proxy.up();
    expect(outcomes).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
    expect((await c.room(roomId)).data!.room.lastSeq).toBe(3);
  });
});

describe('GraphQL limits, on HTTP and WebSocket', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer(await freshDatabaseEnv(cleanups));
    cleanups.push(server.stop);
    token = (await registerUser(server.url)).accessToken;
  });

  const deep = `{ me { id } publicRooms { edges { node { messages { edges { node { room { messages { edges { node {
    room { messages { edges { node { room { messages { edges { node { id } } } } } } } } } } } } } } } } } } }`;
  const aliases = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  const costly = `{ ${Array.from({ length: 25 }, (_, i) => `r${i}: publicRooms(first: 100) { edges { node { messages(last: 100) { edges { node { id body author { username } } } } } } }`).join(' ')} }`;

  async function overWs(query: string) {
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authToken: token },
    });
    try {
      // Connect first, so only the refusal is timed.
      await new Promise<void>((resolve, reject) =>
        client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: reject, complete: resolve }),
      );
      const started = performance.now();
      const errors = await new Promise<{ extensions?: Record<string, unknown>; message: string }[]>((resolve) =>
        client.subscribe(
          { query },
          {
            next: (result) => resolve((result.errors ?? []) as never),
            error: (error) => resolve(error as never),
            complete: () => resolve([]),
          },
        ),
      );
      return { errors, ms: performance.now() - started };
    } finally {
      await client.dispose();
    }
  }

  async function overHttp(query: string) {
    const started = performance.now();
    const result = await gql(server.url, query, undefined, { token });
    return { errors: result.errors ?? [], ms: performance.now() - started };
  }

  it.each([
    ['too deep', deep, /depth/i],
    ['10,000 aliases', aliases, /token|alias/i],
    ['too costly', costly, /cost|alias/i],
  ])(
    'a query %s is refused cheaply (best of five under 50 ms) with BAD_USER_INPUT on both transports',
    async (_what, query, message) => {
      for (const send of [overHttp, overWs]) {
        const attempts = [];
        for (let i = 0; i < 5; i++) attempts.push(await send(query));
        for (const { errors } of attempts) {
          expect(errors.length).toBeGreaterThan(0);
          expect(errors[0]!.extensions?.code).toBe('BAD_USER_INPUT');
          expect(errors[0]!.message).toMatch(message);
        }
        expect(Math.min(...attempts.map((a) => a.ms))).toBeLessThan(50);
      }
    },
  );

  it('a body over MAX_BODY_BYTES is refused with 413', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(response.status).toBe(413);
  });

  it('a WebSocket message over MAX_WS_MESSAGE_BYTES closes the socket with 1009', async () => {
    const socket = connect(server.wsUrl, token);
    cleanups.push(() => socket.dispose());
    subscribe(socket, '{ __typename }', { pad: 'x'.repeat(300_000) });
    expect(await socket.closed).toBe(1009);
  });

  it('a cross-site form POST without the CSRF header is refused; with it, it runs', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(server.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query: '{ __typename }' }) });
    expect((await post({ 'content-type': 'text/plain' })).status).toBe(403);
    expect((await post({ 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    expect((await post({ 'content-type': 'application/json' })).status).toBe(200);
  });
});

describe('production mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...(await freshDatabaseEnv(cleanups)), NODE_ENV: 'production' });
    cleanups.push(server.stop);
  });

  it('refuses introspection and serves no GraphiQL', async () => {
    const result = await gql(server.url, '{ __schema { types { name } } }');
    expect(result.data ?? null).toBeNull();
    expect(result.errors![0]!.message).toMatch(/introspection/i);
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
  });

  it('hides what went wrong inside: no stack, no SQL, only INTERNAL', async () => {
    await server.app.services.db.close();
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ publicRooms { edges { node { id } } } }' }),
    });
    const text = await response.text();
    expect(JSON.parse(text).errors[0]).toEqual({
      message: 'Internal server error',
      locations: expect.any(Array),
      path: ['publicRooms'],
      extensions: { code: 'INTERNAL' },
    });
    expect(text).not.toMatch(/stack|prisma|SELECT|at \//i);
  });
});

describe('GET /metrics', () => {
  it('exposes every metric with sane values after a short session', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), RATE_LIMIT_CREATE_ROOM: '1/1m' });
    cleanups.push(server.stop);
    const user = await registerUser(server.url);
    const c = chatClient(server.url, user.accessToken);
    const room = (await c.createRoom(uniqueName('metrics'))).data!.createRoom.id;
    expect(outcome(await c.createRoom(uniqueName('one-too-many')))).toBe('RATE_LIMITED');
    const socket = connect(server.wsUrl, user.accessToken);
    cleanups.push(() => socket.dispose());
    const sub = subscribe(socket, 'subscription ($r: ID!) { messageAdded(roomId: $r) { seq } }', { r: room });
    await eventually(async () => {
      await c.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return sub.events().length > 0;
    });
    const sent = (await c.send(room, 'last')).data!.sendMessage.seq;
    await sub.waitFor((events) => events.some((e) => e.messageAdded.seq === sent));
    await gql(server.url, 'query ListRooms { publicRooms { edges { node { id } } } }');

    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (pattern: string) => {
      const line = text.split('\n').find((l) => l.startsWith(pattern));
      if (!line) throw new Error(`no ${pattern} in /metrics`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(value('chat_ws_connections ')).toBe(1);
    expect(value('chat_connections{transport="ws"}')).toBe(1);
    expect(value('chat_subscriptions_active{field="messageAdded",transport="ws"}')).toBe(1);
    expect(value('chat_messages_stored_total ')).toBe(sent);
    expect(value('chat_events_delivered_total{field="messageAdded"}')).toBeGreaterThanOrEqual(1);
    expect(value('chat_delivery_lag_seconds_count ')).toBe(value('chat_events_delivered_total{field="messageAdded"}'));
    expect(value('chat_delivery_lag_seconds_sum ')).toBeLessThan(value('chat_delivery_lag_seconds_count ') * 1);
    expect(
      value('chat_graphql_operation_duration_seconds_count{operation="ListRooms",type="query",outcome="ok"}'),
    ).toBe(1);
    expect(value('chat_rate_limit_refusals_total{limit="createRoom:user"}')).toBe(1);
    expect(value('chat_pubsub_reconnects_total ')).toBe(0);
    expect(value('chat_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    expect(value('process_resident_memory_bytes ')).toBeGreaterThan(10_000_000);
    expect(value('nodejs_heap_size_used_bytes ')).toBeGreaterThan(1_000_000);
  });
});

describe('operation log', () => {
  it('one line per operation, with its request id, user, name and outcome, and no variables', async () => {
    const lines: Record<string, unknown>[] = [];
    const config = loadConfig({ ...baseEnv, ...(await freshDatabaseEnv(cleanups)), LOG_LEVEL: 'info' });
    const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    const app = await buildApp(config, pino({ level: 'info' }, stream));
    await app.start();
    cleanups.push(() => app.stop());
    const user = await registerUser(app.url);
    const requestId = `log-test-${randomUUID()}`;
    const secret = `secret-${randomUUID()}`;
    const result = await gql(
      app.url,
      'query Rooms($q: String) { publicRooms(search: $q) { edges { node { id } } } }',
      { q: secret },
      { token: user.accessToken, headers: { 'x-request-id': requestId } },
    );
    expect(result.errors).toBeUndefined();
    const line = lines.find((l) => l.msg === 'operation' && l.requestId === requestId);
    expect(line).toMatchObject({ userId: rawId(user.user.id), operation: 'Rooms', type: 'query', outcome: 'ok' });
    expect(typeof line!.ms).toBe('number');
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});
