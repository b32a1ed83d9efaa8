// The client against a real server: every operation of the schema as a typed function, errors as
// ChatError, and the session (refresh on UNAUTHENTICATED and on a 4401 close, one at a time).
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { repoRoot, startServer, type TestServer } from '../../../server/test/support/server.js';
import {
  ChatError,
  isChatError,
  localStorageTokens,
  memoryTokens,
  mutations,
  queries,
  subscriptions,
  type ChatClient,
  type RefreshReason,
  type RoomEvent,
  type Session,
  type StorageLike,
} from '../src/index.js';
import { freePort, nodeClient, PASSWORD, sleep, uniqueName, until } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startServer(await freshDatabaseEnv(cleanups));
  cleanups.push(server.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

function client(options: Parameters<typeof nodeClient>[1] = {}): ChatClient {
  const c = nodeClient(server.graphqlUrl, options);
  cleanups.push(() => c.close());
  return c;
}

async function signedIn(prefix = 'u'): Promise<{ c: ChatClient; username: string; userId: string }> {
  const c = client();
  const username = uniqueName(prefix);
  const payload = await c.register({ username, password: PASSWORD, displayName: `${prefix} person` });
  return { c, username, userId: payload.user.id };
}

async function failure(promise: Promise<unknown>): Promise<ChatError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ChatError) return error;
    throw error;
  }
  throw new Error('expected a ChatError');
}

describe('the generated operations', () => {
  it('cover every query, mutation and subscription of schema.graphql', () => {
    const schema = buildSchema(readFileSync(`${repoRoot}schema.graphql`, 'utf8'));
    const fields = (type: 'Query' | 'Mutation' | 'Subscription') =>
      Object.keys(
        schema.getType(type) && 'getFields' in schema.getType(type)!
          ? (schema.getType(type) as never as { getFields(): object }).getFields()
          : {},
      ).sort();
    expect(fields('Query').filter((f) => !(f in queries))).toEqual([]);
    expect(fields('Mutation').filter((f) => !(f in mutations))).toEqual([]);
    expect(fields('Subscription').filter((f) => !(f in subscriptions))).toEqual([]);
  });

  it('work as typed functions: rooms, messages, history, search, read state, direct rooms', async () => {
    const alice = await signedIn('alice');
    const bob = await signedIn('bob');
    const guest = client();

    expect(await guest.me()).toBeNull();
    const me = await alice.c.me();
    expect(me).toMatchObject({
      id: alice.userId,
      username: alice.username,
      displayName: 'alice person',
      online: false,
    });

    const room = await alice.c.createRoom({ name: uniqueName('room'), kind: 'PUBLIC', topic: 'testing' });
    expect(room).toMatchObject({ kind: 'PUBLIC', topic: 'testing', memberCount: 1, viewerIsMember: true, lastSeq: 0 });
    expect((await alice.c.roomByName({ name: room.name }))?.id).toBe(room.id);
    expect((await guest.query.room({ id: room.id }))?.viewerIsMember).toBe(false);
    const listed = await guest.publicRooms({ search: room.name, first: 5 });
    expect(listed.edges.map((e) => e.node.id)).toEqual([room.id]);

    expect((await bob.c.joinRoom({ roomId: room.id })).memberCount).toBe(2);
    expect((await bob.c.myRooms()).edges.map((e) => e.node.id)).toContain(room.id);
    const members = await alice.c.roomMembers({ id: room.id, first: 10 });
    expect(members?.members.edges.map((e) => e.node.username).sort()).toEqual([alice.username, bob.username].sort());

    const first = await alice.c.sendMessage({ roomId: room.id, body: 'hello searchable world', clientMessageId: 'k1' });
    expect(first).toMatchObject({
      seq: 1,
      body: 'hello searchable world',
      clientMessageId: 'k1',
      room: { id: room.id },
    });
    expect(first.author).toMatchObject({ id: alice.userId, username: alice.username });
    // The same idempotency key gives the same message, never a second one.
    expect((await alice.c.room(room.id).send('again', { clientMessageId: 'k1' })).id).toBe(first.id);
    const second = await alice.c.room(room.id).send('second');
    expect(second.seq).toBe(2);

    const edited = await alice.c.editMessage({ messageId: second.id, body: 'second, edited' });
    expect(edited.editedAt).not.toBeNull();
    const deleted = await alice.c.deleteMessage({ messageId: second.id });
    expect(deleted).toMatchObject({ body: '' });
    expect(deleted.deletedAt).not.toBeNull();

    const history = await bob.c.messages({ roomId: room.id, last: 10 });
    expect(history.edges.map((e) => e.node.seq)).toEqual([1, 2]);
    expect((await bob.c.room(room.id).history({ first: 1 })).pageInfo.hasNextPage).toBe(true);
    expect((await bob.c.messagesSince({ roomId: room.id, afterSeq: 1 })).map((m) => m.seq)).toEqual([2]);
    const found = await bob.c.searchMessages({ query: 'searchable', roomId: room.id });
    expect(found.edges.map((e) => e.node.id)).toEqual([first.id]);

    expect((await bob.c.query.room({ id: room.id }))?.unreadCount).toBe(2);
    expect((await bob.c.markRead({ roomId: room.id, seq: 2 })).unreadCount).toBe(0);
    expect(await bob.c.room(room.id).setTyping(true)).toBe(true);

    const node = await bob.c.node({ id: first.id });
    expect(node).toMatchObject({ __typename: 'Message', id: first.id, seq: 1 });

    const direct = await alice.c.openDirectRoom({ username: bob.username });
    expect(direct.kind).toBe('DIRECT');
    expect((await bob.c.openDirectRoom({ username: alice.username })).id).toBe(direct.id);

    const secret = await alice.c.createRoom({ name: uniqueName('secret'), kind: 'PRIVATE' });
    await alice.c.room(secret.id).invite(bob.username);
    expect((await bob.c.room(secret.id).join()).viewerIsMember).toBe(true);
    expect((await bob.c.room(room.id).leave()).viewerIsMember).toBe(false);

    const count = await guest.onlineCount();
    expect(count).toEqual({ users: expect.any(Number), guests: expect.any(Number) });
  });

  it('subscriptions are typed async iterators (or callbacks)', async () => {
    const alice = await signedIn('alice');
    const room = await alice.c.createRoom({ name: uniqueName('live'), kind: 'PUBLIC' });
    const watcher = client();

    const events: RoomEvent[] = [];
    const roomEvents = (async () => {
      for await (const event of watcher.subscribe.roomEvents({ roomId: room.id })) {
        events.push(event);
        if (event.__typename === 'MessageCreated' && event.message.body === 'two') break;
      }
    })();
    const added: string[] = [];
    const messageAdded = watcher.subscribe.messageAdded({ roomId: room.id }, { next: (m) => added.push(m.body) });
    const mine: string[] = [];
    const myEvents = alice.c.subscribe.myEvents({ next: (e) => mine.push(e.__typename) });
    const counts: number[] = [];
    const onlineCount = watcher.subscribe.onlineCount({ next: (c) => counts.push(c.users + c.guests) });

    await until(() => counts.length > 0, 5_000, 'the online count');
    await sleep(300); // the subscriptions reach the server
    await alice.c.room(room.id).send('one');
    await alice.c.room(room.id).send('two');
    await roomEvents;
    await until(() => added.length === 2 && mine.length >= 2, 5_000, 'messageAdded and myEvents');
    expect(events.map((e) => e.__typename)).toEqual(['MessageCreated', 'MessageCreated']);
    const created = events[0]!;
    if (created.__typename !== 'MessageCreated') throw new Error('unreachable');
    expect(created.message).toMatchObject({ seq: 1, body: 'one', author: { username: alice.username } });
    expect(added).toEqual(['one', 'two']);
    expect(mine).toContain('MessageCreated');
    expect(counts.at(-1)).toBeGreaterThanOrEqual(2);
    for (const s of [messageAdded, myEvents, onlineCount]) s.close();
    expect(messageAdded.closed).toBe(true);
  });

  it('replays a room from afterSeq: 0, then streams it live', async () => {
    const alice = await signedIn('alice');
    const room = await alice.c.createRoom({ name: uniqueName('replay'), kind: 'PUBLIC' });
    for (let i = 0; i < 5; i++) await alice.c.room(room.id).send(`old ${i}`);
    const reader = client();
    const stream = reader.room(room.id).messages({ afterSeq: 0, pageSize: 2 });
    const seqs: number[] = [];
    setTimeout(() => void alice.c.room(room.id).send('new'), 300);
    for await (const message of stream) {
      seqs.push(message.seq);
      if (seqs.length === 6) break;
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stream.closed).toBe(true);
  });

  it('threads: the room stream carries replies once, a thread stream only its own; reactions and pins', async () => {
    const alice = await signedIn('alice');
    const room = await alice.c.createRoom({ name: uniqueName('threads'), kind: 'PUBLIC' });
    const handle = alice.c.room(room.id);
    const root = await handle.send('root');
    const other = await handle.send('another root');
    const reader = client();
    const all = reader.room(room.id).messages({ afterSeq: 0, pageSize: 2 });
    const thread = reader.room(room.id).thread(root.id).replies({ afterSeq: 0 });
    await handle.thread(root.id).reply('reply 1');
    await handle.thread(other.id).reply('elsewhere');
    const last = await handle.thread(root.id).reply('reply 2');
    const inRoom: string[] = [];
    for await (const message of all) {
      inRoom.push(message.body);
      if (message.seq === last.seq) break;
    }
    expect(inRoom).toEqual(['root', 'another root', 'reply 1', 'elsewhere', 'reply 2']);
    const inThread: string[] = [];
    for await (const message of thread) {
      inThread.push(message.body);
      expect(message.threadRootId).toBe(root.id);
      if (message.seq === last.seq) break;
    }
    expect(inThread).toEqual(['reply 1', 'reply 2']);
    expect((await handle.thread(root.id).history()).edges.map((e) => e.node.body)).toEqual(['reply 1', 'reply 2']);
    expect((await handle.history()).edges.map((e) => e.node.body)).toEqual(['root', 'another root']);

    const reacted = await alice.c.addReaction({ messageId: root.id, emoji: '👍' });
    expect(reacted.reactions).toEqual([{ emoji: '👍', count: 1, viewerReacted: true }]);
    expect(reacted.replyCount).toBe(2);
    expect((await alice.c.pinMessage({ messageId: root.id })).pinnedAt).not.toBeNull();
    const pinned = await alice.c.roomPinnedMessages({ id: room.id });
    expect(pinned?.pinnedMessages.map((m) => m.id)).toEqual([root.id]);
    const around = await alice.c.messagesAround({ roomId: room.id, seq: root.seq, limit: 3 });
    expect(around.edges.map((e) => e.node.body)).toEqual(['root', 'another root']);
  });
});

describe('errors', () => {
  it('are ChatErrors with the API code, the field, and retryAfterMs', async () => {
    const guest = client();
    const weak = await failure(guest.register({ username: uniqueName(), password: 'short' }));
    expect(weak).toMatchObject({ name: 'ChatError', code: 'BAD_USER_INPUT', field: 'password' });
    expect(weak.message).toMatch(/password/);

    const { username } = await signedIn();
    const taken = await failure(client().register({ username, password: PASSWORD }));
    expect(taken.code).toBe('CONFLICT');
    expect(isChatError(taken, 'CONFLICT', 'FORBIDDEN')).toBe(true);

    expect((await failure(guest.myRooms())).code).toBe('UNAUTHENTICATED');
    expect((await failure(guest.login({ username, password: 'wrong password' }))).code).toBe('UNAUTHENTICATED');
    const alice = await signedIn('alice');
    const secret = await alice.c.createRoom({ name: uniqueName('secret'), kind: 'PRIVATE' });
    expect((await failure(guest.query.room({ id: secret.id }))).code).toBe('FORBIDDEN');

    // A stream of a room one may not read ends with the error.
    const stream = guest.room(secret.id).messages();
    await expect(
      (async () => {
        for await (const _ of stream) break;
      })(),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const unreachable = nodeClient(`http://127.0.0.1:${await freePort()}/graphql`);
    const network = await failure(unreachable.me());
    expect(network.code).toBe('NETWORK');
    await unreachable.close();
    await expect(unreachable.me()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('RATE_LIMITED says when to try again', async () => {
    const limited = await startServer({ ...(await freshDatabaseEnv(cleanups)), RATE_LIMIT_SEND_MESSAGE: '2/10s' });
    cleanups.push(limited.stop);
    const c = nodeClient(limited.graphqlUrl);
    cleanups.push(() => c.close());
    await c.register({ username: uniqueName(), password: PASSWORD });
    const room = await c.createRoom({ name: uniqueName('busy'), kind: 'PUBLIC' });
    await c.room(room.id).send('1');
    await c.room(room.id).send('2');
    const refused = await failure(c.room(room.id).send('3'));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
  });
});

describe('the session', () => {
  /** A storage holding a session whose access token the server refuses (but a good refresh token). */
  async function brokenAccessToken(): Promise<{ storage: ReturnType<typeof memoryTokens>; session: Session }> {
    const setup = client();
    const payload = await setup.register({ username: uniqueName(), password: PASSWORD });
    const session = (await setup.getSession())!;
    expect(session.refreshToken).toBe(payload.refreshToken);
    const broken = { ...session, accessToken: `${session.accessToken.slice(0, -4)}AAAA` };
    return { storage: memoryTokens(broken), session: broken };
  }

  it('refreshes once on UNAUTHENTICATED, for any number of concurrent requests, and retries them', async () => {
    const { storage, session } = await brokenAccessToken();
    const c = client({ storage });
    const reasons: RefreshReason[] = [];
    c.on('refreshed', ({ reason }) => reasons.push(reason));
    const results = await Promise.all(Array.from({ length: 6 }, () => c.me()));
    expect(results.every((me) => me?.id === session.user!.id)).toBe(true);
    expect(reasons).toEqual(['unauthenticated']);
    const now = (await storage.load())!;
    expect(now.accessToken).not.toBe(session.accessToken);
    expect(now.refreshToken).not.toBe(session.refreshToken);
  });

  it('refreshes after a 4401 close and resubscribes', async () => {
    const { storage, session } = await brokenAccessToken();
    const c = client({ storage });
    const closes: number[] = [];
    const reasons: RefreshReason[] = [];
    c.on('closed', ({ code }) => closes.push(code));
    c.on('refreshed', ({ reason }) => reasons.push(reason));
    const counts = c.subscribe.onlineCount();
    const iterator = counts[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(closes).toEqual([4401]);
    expect(reasons).toEqual(['socket-closed-4401']);
    expect((await c.me())?.id).toBe(session.user!.id);
    counts.close();
  });

  it('refreshes ahead of expiry, and signs out when the refresh token is refused', async () => {
    const setup = client();
    await setup.register({ username: uniqueName(), password: PASSWORD });
    const session = (await setup.getSession())!;
    // Pretend the token expires in 30 s: within the 60 s margin, so the next request refreshes first.
    const storage = memoryTokens({ ...session, accessTokenExpiresAt: new Date(Date.now() + 30_000).toISOString() });
    const c = client({ storage });
    const reasons: RefreshReason[] = [];
    c.on('refreshed', ({ reason }) => reasons.push(reason));
    await c.me();
    expect(reasons).toEqual(['expiring']);

    // The original refresh token was spent by that refresh: reusing it ends the whole session family.
    const stale = client({ storage: memoryTokens({ ...session, accessToken: 'x.y.z' }) });
    let signedOut = '';
    stale.on('signedOut', ({ reason }) => (signedOut = reason));
    expect((await failure(stale.myRooms())).code).toBe('UNAUTHENTICATED');
    expect(signedOut).toBe('refresh-refused');
    expect(await stale.getSession()).toBeNull();
    expect(await stale.refreshToken()).toBeNull();
  });

  it('logout forgets the tokens and ends the session on the server', async () => {
    const { c } = await signedIn();
    const session = (await c.getSession())!;
    expect(await c.logout()).toBe(true);
    expect(await c.getSession()).toBeNull();
    expect(await c.me()).toBeNull();
    const again = client({ storage: memoryTokens(session) });
    expect(await again.refreshToken()).toBeNull();
  });

  it('changePassword keeps this client signed in with a fresh session', async () => {
    const { c, userId } = await signedIn();
    const before = (await c.getSession())!;
    const payload = await c.changePassword({ currentPassword: PASSWORD, newPassword: 'another good password' });
    expect(payload.user.id).toBe(userId);
    expect((await c.getSession())!.refreshToken).not.toBe(before.refreshToken);
    expect((await c.me())?.id).toBe(userId);
  });

  it('signing in or out reopens the socket under the new identity; subscriptions go on', async () => {
    const c = client();
    const closes: number[] = [];
    let connections = 0;
    c.on('closed', ({ code }) => closes.push(code));
    c.on('connected', () => connections++);
    const counts: { users: number; guests: number }[] = [];
    const live = c.subscribe.onlineCount({ next: (count) => counts.push(count) });
    await until(() => connections === 1 && counts.length > 0, 5_000, 'a guest socket');
    await c.register({ username: uniqueName(), password: PASSWORD });
    await until(() => connections === 2, 5_000, 'the socket to reopen signed in');
    await c.logout();
    await until(() => connections === 3, 5_000, 'the socket to reopen as a guest');
    expect(closes).toEqual([4499, 4499]);
    expect(live.closed).toBe(false);
    live.close();
  });

  it('localStorageTokens keeps the session where a new client (a reload) finds it', async () => {
    const map = new Map<string, string>();
    const storage: StorageLike = {
      getItem: (key) => map.get(key) ?? null,
      setItem: (key, value) => void map.set(key, value),
      removeItem: (key) => void map.delete(key),
    };
    const first = client({ storage: localStorageTokens({ storage, key: 'test.session' }) });
    const { user } = await first.register({ username: uniqueName(), password: PASSWORD });
    expect(JSON.parse(map.get('test.session')!).user.id).toBe(user.id);
    const reloaded = client({ storage: localStorageTokens({ storage, key: 'test.session' }) });
    expect((await reloaded.me())?.id).toBe(user.id);
    await reloaded.logout();
    expect(map.has('test.session')).toBe(false);
    expect(() => localStorageTokens()).toThrow(/localStorage/);
  });
});

describe('a list of URLs', () => {
  it('moves on to the next URL when one cannot be reached', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/graphql`;
    const c = client();
    const failover = nodeClient([dead, server.graphqlUrl]);
    cleanups.push(() => failover.close());
    await failover.register({ username: uniqueName(), password: PASSWORD }).catch((error) => {
      // A mutation is not retried elsewhere unless it is idempotent: the next call uses the next URL.
      expect(isChatError(error, 'NETWORK')).toBe(true);
    });
    const { user } = await failover.register({ username: uniqueName(), password: PASSWORD });
    expect((await failover.me())?.id).toBe(user.id);
    const room = await failover.createRoom({ name: uniqueName('list'), kind: 'PUBLIC' });
    const connected: string[] = [];
    failover.on('connected', ({ url }) => connected.push(url ?? ''));
    const stream = failover.room(room.id).messages();
    await until(() => stream.lastSeq === 0 && connected.length === 1, 10_000, 'the stream');
    expect(connected[0]).toBe(server.wsUrl);
    await c.close();
    stream.close();
  });
});

describe('attachments', () => {
  it('room(id).upload(file) sends multipart; send({ body, attachments }) attaches in order', async () => {
    const alice = await signedIn('att');
    const room = await alice.c.createRoom({ name: uniqueName('files'), kind: 'PUBLIC' });
    const pdf = new Blob(['%PDF-1.4\n%%EOF\n'], { type: 'application/pdf' });
    const report = await alice.c.room(room.id).upload(pdf, { filename: 'report.pdf' });
    expect(report).toMatchObject({ filename: 'report.pdf', contentType: 'application/pdf', size: pdf.size });
    const notes = await alice.c.room(room.id).upload(new File(['plain notes'], 'notes.txt', { type: 'text/plain' }));
    expect(notes.contentType).toBe('text/plain');
    const sent = await alice.c.room(room.id).send({ attachments: [notes, report.id] });
    expect(sent.body).toBe('');
    expect(sent.attachments.map((a) => a.filename)).toEqual(['notes.txt', 'report.pdf']);
    const download = await fetch(new URL(sent.attachments[1]!.url, server.url));
    expect(await download.text()).toBe('%PDF-1.4\n%%EOF\n');
    // A declared type the bytes disagree with: the server's refusal, as a ChatError.
    const refused = await failure(alice.c.room(room.id).upload(new File(['text'], 'x.png', { type: 'image/png' })));
    expect([refused.code, refused.field]).toEqual(['BAD_USER_INPUT', 'file']);
  });
});
