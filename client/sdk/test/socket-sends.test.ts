// Sends over the socket the client already has: with a WebSocket open for subscriptions, sendMessage
// and the small mutations of a live chat go over it as graphql-ws operations, answer and fail as
// over HTTP, and fall back to HTTP when there is no socket or it drops before the answer. A loopback
// proxy in front of the real server shows what travelled how.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { startServer, type TestServer } from '../../../server/test/support/server.js';
import { ChatError, type ChatClient, type ChatClientOptions, type Message } from '../src/index.js';
import { loopbackProxy, nodeClient, PASSWORD, uniqueName, until, type LoopbackProxy } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;
let proxy: LoopbackProxy;
beforeAll(async () => {
  server = await startServer(await freshDatabaseEnv(cleanups));
  cleanups.push(server.stop);
  proxy = await loopbackProxy(Number(new URL(server.url).port));
  cleanups.push(proxy.close);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function signedIn(options: Partial<ChatClientOptions> = {}, through = proxy): Promise<ChatClient> {
  const c = nodeClient(through.graphqlUrl, options);
  cleanups.push(() => c.close());
  await c.register({ username: uniqueName('s'), password: PASSWORD });
  return c;
}

/** A room of `c`'s, and a stream of it: the socket is open (and acknowledged) when this resolves. */
async function liveRoom(c: ChatClient) {
  const room = await c.createRoom({ name: uniqueName('room'), kind: 'PUBLIC' });
  const received: Message[] = [];
  let connected = false;
  c.on('connected', () => (connected = true));
  const stream = c.room(room.id).messages({ afterSeq: 0 });
  stream.onMessage((message) => received.push(message));
  await until(() => connected, 5_000, 'the socket');
  return { room, received, stream };
}

async function failure(promise: Promise<unknown>): Promise<ChatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ChatError)) throw new Error(`expected a ChatError, got ${String(error)}`);
  return error;
}

const sends = () => proxy.posts('SendMessageMutation');

describe('sends over the open socket', () => {
  it('send, reply, the generated sendMessage and the small mutations go over the socket, not HTTP', async () => {
    const alice = await signedIn();
    const { room, received } = await liveRoom(alice);
    const mutations = ['SendMessage', 'MarkRead', 'SetTyping', 'AddReaction', 'RemoveReaction'];
    const posts = () => mutations.map((name) => proxy.posts(`${name}Mutation`));
    const before = { posts: posts(), text: proxy.socketText().length };

    const first = await alice.room(room.id).send('over the socket');
    const reply = await alice.room(room.id).thread(first.id).reply('a reply');
    const generated = await alice.sendMessage({ roomId: room.id, body: 'generated', clientMessageId: randomUUID() });
    const mutated = await alice.mutate.sendMessage({ roomId: room.id, body: 'mutate', clientMessageId: randomUUID() });
    expect([first, reply, generated, mutated].map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(reply.threadRootId).toBe(first.id);
    expect((await alice.room(room.id).markRead(4)).unreadCount).toBe(0);
    expect(await alice.room(room.id).setTyping(true)).toBe(true);
    expect((await alice.addReaction({ messageId: first.id, emoji: '👍' })).reactions).toMatchObject([
      { emoji: '👍', count: 1 },
    ]);
    expect((await alice.removeReaction({ messageId: first.id, emoji: '👍' })).reactions).toEqual([]);

    // Not one HTTP request for all that: the answers came on the socket.
    expect(posts()).toEqual(before.posts);
    const written = proxy.socketText().slice(before.text);
    for (const field of ['sendMessage', 'markRead', 'setTyping', 'addReaction', 'removeReaction']) {
      expect(written).toContain(`"${field}"`);
    }
    await until(() => received.length === 4, 5_000, 'the stream');
    expect(received.map((m) => m.id)).toEqual([first, reply, generated, mutated].map((m) => m.id));
  });

  it('a refusal on the socket is the ChatError HTTP gives: code, field, message', async () => {
    const alice = await signedIn();
    const { room } = await liveRoom(alice);
    const overHttp = await signedIn({ sendOverSocket: false });
    await overHttp.joinRoom({ roomId: room.id });
    const secret = await alice.createRoom({ name: uniqueName('secret'), kind: 'PRIVATE' });
    const bob = await signedIn();
    await liveRoom(bob);
    const before = sends();
    const cases: [ChatClient, ChatClient, string, string][] = [
      [alice, overHttp, room.id, '   '],
      [alice, overHttp, room.id, 'x'.repeat(4001)],
      [bob, overHttp, secret.id, 'not a member'],
    ];
    const seen: string[] = [];
    for (const [socketClient, httpClient, roomId, body] of cases) {
      const onSocket = await failure(socketClient.room(roomId).send(body));
      // On the socket: no HTTP request for it.
      expect(sends()).toBe(before + seen.length);
      const onHttp = await failure(httpClient.room(roomId).send(body));
      expect(sends()).toBe(before + seen.length + 1);
      expect({ code: onSocket.code, field: onSocket.field, message: onSocket.message }).toEqual({
        code: onHttp.code,
        field: onHttp.field,
        message: onHttp.message,
      });
      seen.push(`${onSocket.code} ${onSocket.field ?? ''}`.trim());
    }
    expect(seen).toEqual(['BAD_USER_INPUT body', 'BAD_USER_INPUT body', 'FORBIDDEN']);
  });

  it('a socket that drops before the answer: the send goes again over HTTP, and is stored once', async () => {
    const alice = await signedIn();
    const { room, received } = await liveRoom(alice);
    const clientMessageId = randomUUID();
    const before = sends();
    // The server stores the message and answers; the answer never arrives, the socket is cut.
    const cut = proxy.cutSocketOn(`"clientMessageId":"${clientMessageId}"`);
    const sent = await alice.room(room.id).send('exactly once', { clientMessageId });
    await cut;
    expect(sends()).toBe(before + 1);
    expect(sent).toMatchObject({ seq: 1, body: 'exactly once', clientMessageId });
    const history = await alice.room(room.id).history({ last: 10 });
    expect(history.edges.map((e) => e.node.id)).toEqual([sent.id]);
    // The stream reconnects and has it once.
    await until(() => received.length === 1, 10_000, 'the stream');
    expect(received[0]!.id).toBe(sent.id);
  });

  it('without an open socket sends go over HTTP, and no socket is opened for them', async () => {
    const own = await loopbackProxy(Number(new URL(server.url).port));
    cleanups.push(own.close);
    const alice = await signedIn({}, own);
    const room = await alice.createRoom({ name: uniqueName('room'), kind: 'PUBLIC' });
    await alice.room(room.id).send('over HTTP');
    await alice.room(room.id).markRead(1);
    expect(own.posts('SendMessageMutation')).toBe(1);
    expect(own.posts('MarkReadMutation')).toBe(1);
    expect(own.sockets()).toBe(0);
  });

  it('over HTTP with sendOverSocket: false, and for a sendMessage without a clientMessageId', async () => {
    const alice = await signedIn({ sendOverSocket: false });
    const { room } = await liveRoom(alice);
    const before = sends();
    await alice.room(room.id).send('over HTTP');
    expect(sends()).toBe(before + 1);
    const bob = await signedIn();
    await liveRoom(bob);
    await bob.joinRoom({ roomId: room.id });
    await bob.sendMessage({ roomId: room.id, body: 'no key: not safe to send twice' });
    expect(sends()).toBe(before + 2);
  });

  it('a socket at its subscription limit still takes sends: only subscriptions count', async () => {
    const env = await freshDatabaseEnv(cleanups);
    const strict = await startServer({ ...env, MAX_SUBSCRIPTIONS_PER_SOCKET: '1' });
    cleanups.push(strict.stop);
    const own = await loopbackProxy(Number(new URL(strict.url).port));
    cleanups.push(own.close);
    const alice = await signedIn({}, own);
    const { room } = await liveRoom(alice);
    const sent = await alice.room(room.id).send('still sent');
    expect(sent.seq).toBe(1);
    expect(own.socketText()).not.toContain('Too many subscriptions on this connection');
    expect(own.posts('SendMessageMutation')).toBe(0);
  });
});
