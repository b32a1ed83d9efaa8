import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { gql } from './support/graphql.js';
import { connect, connectSse, eventually, subscribe, type LiveClient } from './support/live.js';
import { metric } from './support/metrics.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName, type Session } from './support/users.js';

/**
 * Server-sent events (graphql-sse) are held to the same connection policy as WebSockets: the
 * same authentication, limits, presence, metrics, token expiry and drain.
 */

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const ADDED = 'subscription ($r: ID!) { messageAdded(roomId: $r) { seq body } }';
/** A subscription that keeps its stream open. */
const HOLD = 'subscription { onlineCount { users } }';

/** Opens a client and stops it when the file's tests are done. */
function live(client: LiveClient): LiveClient {
  cleanups.push(async () => void (await client.dispose()));
  return client;
}

/** Opens a raw event stream (distinct-connections mode) and resolves with its HTTP status. */
async function streamStatus(server: TestServer, headers: Record<string, string>, query = HOLD) {
  const controller = new AbortController();
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const status = response.status;
  const body = status === 200 ? null : await response.json();
  if (status === 200) cleanups.push(async () => controller.abort());
  return { status, body, close: () => controller.abort() };
}

describe('GraphQL over server-sent events', () => {
  let server: TestServer;
  let alice: Session;
  let room: string;
  beforeAll(async () => {
    server = await startServer({
      ...(await freshDatabaseEnv(cleanups)),
      TRUST_PROXY: 'true',
      MAX_SOCKETS_PER_USER: '2',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
      RATE_LIMIT_CONNECT: '3/1m',
    });
    cleanups.push(server.stop);
    alice = await registerUser(server.url);
    room = (await chatClient(server.url, alice.accessToken).createRoom(uniqueName('sse'))).data!.createRoom.id;
  });
  /** Each test comes from an address of its own (the connect rate is per address). */
  const from = () => ({ 'x-forwarded-for': `sse-${randomUUID()}` });

  for (const singleConnection of [false, true]) {
    it(`delivers live messages in ${singleConnection ? 'single' : 'distinct'}-connection mode`, async () => {
      const client = live(connectSse(server.graphqlUrl, alice.accessToken, { singleConnection, headers: from() }));
      const sub = subscribe(client, ADDED, { r: room });
      const body = `over sse ${singleConnection}`;
      await eventually(async () => {
        await chatClient(server.url, alice.accessToken).send(room, body);
        await new Promise((r) => setTimeout(r, 50));
        return sub.events().length > 0;
      });
      expect(sub.events()[0]!.messageAdded.body).toBe(body);
      sub.stop();
    });
  }

  it('single-connection mode reserves its stream with PUT (not 405)', async () => {
    const response = await fetch(server.graphqlUrl, { method: 'PUT', headers: from() });
    expect(response.status).toBe(201);
    expect(await response.text()).toMatch(/^[0-9a-f-]{36}\.[\w-]{22}$/);
  });

  it('opens a stream on any replica for a token another one issued, and none for a forged token', async () => {
    // Replicas share the secret (the tests' JWT_SECRET), so a token reserved on one opens on another.
    const other = await startServer({ ...(await freshDatabaseEnv(cleanups)) });
    cleanups.push(other.stop);
    const token = await (await fetch(other.graphqlUrl, { method: 'PUT', headers: from() })).text();
    const controller = new AbortController();
    cleanups.push(async () => controller.abort());
    const opened = await fetch(server.graphqlUrl, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token, ...from() },
      signal: controller.signal,
    });
    expect(opened.status).toBe(200);
    const again = await fetch(server.graphqlUrl, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token, ...from() },
    });
    expect(again.status).toBe(409);
    const forged = `${token.slice(0, 37)}${token[37] === 'A' ? 'B' : 'A'}${token.slice(38)}`;
    const refused = await fetch(server.graphqlUrl, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': forged, ...from() },
    });
    expect(refused.status).toBe(404);
    const unknown = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': forged },
      body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: '1' } }),
    });
    expect(unknown.status).toBe(404);
  });

  it("takes a stream's token from the query too, and only on the API's path", async () => {
    const post = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: '1' } }),
      });
    const token = await (await fetch(server.graphqlUrl, { method: 'PUT', headers: from() })).text();
    const forged = `${token.slice(0, 37)}${token[37] === 'A' ? 'B' : 'A'}${token.slice(38)}`;
    const named = await post(`${server.graphqlUrl}?token=${encodeURIComponent(forged)}`);
    expect(named.status).toBe(404);
    expect((await named.json()).errors[0].message).toBe('Stream not found');
    // Without a token, a query string is plain HTTP; elsewhere, a token is not this transport's.
    const plain = await post(`${server.graphqlUrl}?x=1`);
    expect(plain.status).toBe(200);
    expect((await plain.json()).data).toEqual({ __typename: 'Query' });
    const elsewhere = await post(`${server.url}/elsewhere?token=${encodeURIComponent(forged)}`, {
      'x-graphql-event-stream-token': forged,
    });
    expect(await elsewhere.text()).not.toContain('Stream not found');
  });

  it('refuses a bad token with 401 and UNAUTHENTICATED', async () => {
    const { status, body } = await streamStatus(server, { ...from(), authorization: 'Bearer nonsense' });
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('counts streams against the connect rate per address', async () => {
    const address = from();
    for (let i = 0; i < 3; i++) expect((await streamStatus(server, address)).status).toBe(200);
    const refused = await streamStatus(server, address);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('counts streams and WebSockets together against the connections per user', async () => {
    const bob = await registerUser(server.url);
    const socket = connect(server.wsUrl, bob.accessToken);
    cleanups.push(() => socket.dispose());
    await eventually(async () => (await metric(server.url, 'chat_connections{transport="ws"}')) >= 1);
    const auth = { authorization: `Bearer ${bob.accessToken}` };
    expect((await streamStatus(server, { ...from(), ...auth })).status).toBe(200);
    const refused = await streamStatus(server, { ...from(), ...auth });
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].message).toMatch(/Too many connections for this user/);
  });

  it('limits the subscriptions of one stream (single-connection mode)', async () => {
    const carol = await registerUser(server.url);
    const client = live(connectSse(server.graphqlUrl, carol.accessToken, { singleConnection: true, headers: from() }));
    const subs = [0, 1, 2].map(() => subscribe(client, ADDED, { r: room }));
    await subs[2]!.ended;
    expect(subs[2]!.results[0]!.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(subs[2]!.results[0]!.errors![0]!.message).toMatch(/Too many subscriptions on this connection/);
  });

  it('a signed-in user on a stream is online, counted in the metrics, and neither once it closes', async () => {
    // A server of its own: the other tests' streams would move the count while this one is read.
    const server = await startServer(await freshDatabaseEnv(cleanups));
    cleanups.push(server.stop);
    const dave = await registerUser(server.url);
    const room = (await chatClient(server.url, dave.accessToken).createRoom(uniqueName('online'))).data!.createRoom.id;
    const online = async () =>
      (await gql(server.url, 'query ($id: ID!) { node(id: $id) { ... on User { online } } }', { id: dave.user.id }))
        .data?.node?.online;
    expect(await online()).toBe(false);
    const before = await metric(server.url, 'chat_connections{transport="sse"}');
    const client = connectSse(server.graphqlUrl, dave.accessToken, { headers: from() });
    const sub = subscribe(client, ADDED, { r: room });
    await eventually(async () => (await online()) === true, 10_000, 'online over SSE');
    expect(await metric(server.url, 'chat_connections{transport="sse"}')).toBe(before + 1);
    expect(await metric(server.url, 'chat_subscriptions_active{field="messageAdded",transport="sse"}')).toBeGreaterThan(
      0,
    );
    sub.stop();
    await client.dispose();
    await eventually(async () => (await online()) === false, 10_000, 'offline after the stream closed');
    await eventually(async () => (await metric(server.url, 'chat_connections{transport="sse"}')) === before);
  });

  it('refuses a subscription sent as a plain HTTP request', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream, application/json' },
      body: JSON.stringify({ query: ADDED, variables: { r: room } }),
    });
    const text = await response.text();
    expect(text).toMatch(/subscribe over WebSocket/);
    expect(text).toMatch(/BAD_USER_INPUT/);
  });
});

describe('an event stream when its token expires', () => {
  for (const singleConnection of [false, true]) {
    it(`ends with UNAUTHENTICATED (${singleConnection ? 'single' : 'distinct'}-connection mode)`, async () => {
      const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), ACCESS_TOKEN_TTL: '2s' });
      cleanups.push(server.stop);
      const user = await registerUser(server.url);
      const room = (await chatClient(server.url, user.accessToken).createRoom(uniqueName('expiry'))).data!.createRoom
        .id;
      const client = live(connectSse(server.graphqlUrl, user.accessToken, { singleConnection }));
      const sub = subscribe(client, ADDED, { r: room });
      await sub.ended;
      const last = sub.results.at(-1)!;
      expect(last.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(last.errors?.[0]?.message).toBe('Access token expired');
    });
  }
});

describe('drain on shutdown with event streams open', () => {
  it('ends every stream at once, without completing its subscriptions, and stops within 1 s', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), SHUTDOWN_TIMEOUT: '8s' });
    const user = await registerUser(server.url);
    const room = (await chatClient(server.url, user.accessToken).createRoom(uniqueName('drain'))).data!.createRoom.id;
    const clients = [false, true].map((singleConnection) =>
      live(connectSse(server.graphqlUrl, user.accessToken, { singleConnection })),
    );
    const subs = clients.map((client) => subscribe(client, ADDED, { r: room }));
    await eventually(
      async () => (await metric(server.url, 'chat_subscriptions_active{field="messageAdded",transport="sse"}')) === 2,
    );
    const started = Date.now();
    await server.stop();
    const took = Date.now() - started;
    await Promise.all(subs.map((sub) => sub.ended));
    expect(took).toBeLessThan(1_000);
    // The streams were cut, not completed: each client saw its connection end (and would reconnect).
    for (const sub of subs)
      expect(sub.results.at(-1)?.errors?.[0]?.message).toMatch(
        /Connection closed|NetworkError|terminated|fetch failed/i,
      );
  });
});
