import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { gql, type GraphQLResponse } from './support/graphql.js';
import { connect, type Socket } from './support/live.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName, type Session } from './support/users.js';

/**
 * Mutations over the WebSocket (graphql-ws runs them as it runs subscriptions: one result, then
 * complete) answer exactly as over HTTP: the same data, the same idempotency by clientMessageId,
 * the same error codes, fields and messages. The SDK and the web app send over their socket
 * because of this.
 */

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** One operation over a socket: its single result, as graphql-ws gives it. */
function overSocket(socket: Socket, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  return new Promise((resolve, reject) => {
    let result: GraphQLResponse | undefined;
    socket.client.subscribe(
      { query, variables },
      {
        next: (value) => (result = { status: 0, ...(value as object) }),
        error: (error) =>
          Array.isArray(error) ? resolve({ status: 0, errors: error as GraphQLResponse['errors'] }) : reject(error),
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

/**
 * What a client sees of a result: data, and each error's message and extensions (not where in the
 * query it was; `retryAfterMs` only as a number, since it counts down between the two requests).
 */
const seen = (response: GraphQLResponse) => ({
  data: response.data ?? null,
  errors: response.errors?.map(({ message, extensions }) => ({
    message,
    extensions:
      typeof extensions?.retryAfterMs === 'number' ? { ...extensions, retryAfterMs: expect.any(Number) } : extensions,
  })),
});

const SEND =
  'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq body clientMessageId author { username } } }';

describe('Mutation.* over the WebSocket', () => {
  let server: TestServer;
  let alice: Session;
  let bob: Session;
  let room: string;
  let socket: Socket;
  let bobSocket: Socket;
  beforeAll(async () => {
    server = await startServer(await freshDatabaseEnv(cleanups));
    cleanups.push(server.stop);
    alice = await registerUser(server.url);
    bob = await registerUser(server.url);
    room = (await chatClient(server.url, alice.accessToken).createRoom(uniqueName('room'))).data!.createRoom.id;
    await chatClient(server.url, bob.accessToken).joinRoom({ roomId: room });
    socket = connect(server.wsUrl, alice.accessToken);
    bobSocket = connect(server.wsUrl, bob.accessToken);
    cleanups.push(socket.dispose, bobSocket.dispose);
  });

  it('sendMessage stores once per clientMessageId, whichever transport repeats it', async () => {
    const clientMessageId = randomUUID();
    const sent = await overSocket(socket, SEND, { i: { roomId: room, body: 'over the socket', clientMessageId } });
    expect(sent.errors).toBeUndefined();
    expect(sent.data!.sendMessage).toMatchObject({ body: 'over the socket', clientMessageId });
    const again = await gql(
      server.graphqlUrl,
      SEND,
      { i: { roomId: room, body: 'retried', clientMessageId } },
      {
        token: alice.accessToken,
      },
    );
    expect(again.data!.sendMessage).toEqual(sent.data!.sendMessage);
    const overHttp = randomUUID();
    const first = await gql(
      server.graphqlUrl,
      SEND,
      { i: { roomId: room, body: 'over HTTP', clientMessageId: overHttp } },
      {
        token: alice.accessToken,
      },
    );
    const repeated = await overSocket(socket, SEND, { i: { roomId: room, body: 'x', clientMessageId: overHttp } });
    expect(repeated.data).toEqual(first.data);
  });

  it('refuses as HTTP does: the same code, field and message', async () => {
    const secret = (await chatClient(server.url, alice.accessToken).createRoom(uniqueName('secret'), 'PRIVATE')).data!
      .createRoom.id;
    const slow = (await chatClient(server.url, alice.accessToken).createRoom(uniqueName('slow'))).data!.createRoom.id;
    await chatClient(server.url, bob.accessToken).joinRoom({ roomId: slow });
    await gql(
      server.graphqlUrl,
      'mutation ($i: UpdateRoomInput!) { updateRoom(input: $i) { id } }',
      { i: { roomId: slow, slowModeSeconds: 60 } },
      { token: alice.accessToken },
    );
    await gql(server.graphqlUrl, SEND, { i: { roomId: slow, body: 'first' } }, { token: bob.accessToken });
    const cases: [string, Record<string, unknown>, Session, Socket][] = [
      [SEND, { i: { roomId: room, body: '   ' } }, alice, socket],
      [SEND, { i: { roomId: room, body: 'x'.repeat(4001) } }, alice, socket],
      [SEND, { i: { roomId: secret, body: 'not a member' } }, bob, bobSocket],
      [SEND, { i: { roomId: 'not-an-id', body: 'x' } }, alice, socket],
      [SEND, { i: { roomId: slow, body: 'too soon' } }, bob, bobSocket],
      [
        'mutation ($i: MarkReadInput!) { markRead(input: $i) { id } }',
        { i: { roomId: secret, seq: 1 } },
        bob,
        bobSocket,
      ],
      [
        'mutation ($i: ReactionInput!) { addReaction(input: $i) { id } }',
        { i: { messageId: 'nope', emoji: '👍' } },
        alice,
        socket,
      ],
    ];
    const codes: unknown[] = [];
    for (const [query, variables, who, overWs] of cases) {
      const http = await gql(server.graphqlUrl, query, variables, { token: who.accessToken });
      const ws = await overSocket(overWs, query, variables);
      expect(ws.errors?.length).toBe(1);
      expect(seen(ws)).toEqual(seen(http));
      codes.push(ws.errors![0]!.extensions!.code);
    }
    expect(codes).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'FORBIDDEN',
      'BAD_USER_INPUT',
      'RATE_LIMITED',
      'FORBIDDEN',
      'BAD_USER_INPUT',
    ]);
  });

  it('a guest socket is UNAUTHENTICATED for a send, as a request without a token is', async () => {
    const guest = connect(server.wsUrl);
    cleanups.push(guest.dispose);
    const variables = { i: { roomId: room, body: 'guest' } };
    expect(seen(await overSocket(guest, SEND, variables))).toEqual(seen(await gql(server.graphqlUrl, SEND, variables)));
  });

  it('markRead, setTyping, addReaction and removeReaction run over the socket', async () => {
    const sent = await overSocket(socket, SEND, { i: { roomId: room, body: 'react to me' } });
    const messageId = (sent.data!.sendMessage as { id: string; seq: number }).id;
    const seq = (sent.data!.sendMessage as { id: string; seq: number }).seq;
    const read = await overSocket(
      bobSocket,
      'mutation ($i: MarkReadInput!) { markRead(input: $i) { id unreadCount } }',
      {
        i: { roomId: room, seq },
      },
    );
    expect(read.data).toEqual({ markRead: { id: room, unreadCount: 0 } });
    const typing = await overSocket(bobSocket, 'mutation ($i: SetTypingInput!) { setTyping(input: $i) }', {
      i: { roomId: room, typing: true },
    });
    expect(typing.data).toEqual({ setTyping: true });
    const react = (field: string) =>
      overSocket(bobSocket, `mutation ($i: ReactionInput!) { ${field}(input: $i) { reactions { emoji count } } }`, {
        i: { messageId, emoji: '👍' },
      });
    expect((await react('addReaction')).data).toEqual({ addReaction: { reactions: [{ emoji: '👍', count: 1 }] } });
    expect((await react('removeReaction')).data).toEqual({ removeReaction: { reactions: [] } });
  });
});
