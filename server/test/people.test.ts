// Profiles, friends, blocks and the notification inbox over real servers, on both databases:
// what each does, each refusal (a clear error naming the field, nothing stored), and the live
// events (UserUpdated, notificationAdded) on every replica.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, type ChatClient, uploadFile } from './support/chat.js';
import { databaseKinds, freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import type { GraphQLResponse } from './support/graphql.js';
import { connect, subscribe } from './support/live.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const USER = 'id username displayName avatarUrl friendship';
const NOTIFICATION = 'id kind readAt actor { username } room { id name } message { id body seq }';

function refused(response: GraphQLResponse, code: string, field?: string) {
  expect(response.errors, JSON.stringify(response)).toHaveLength(1);
  expect(response.errors![0]!.extensions?.code, JSON.stringify(response.errors)).toBe(code);
  if (field !== undefined) expect(response.errors![0]!.extensions?.field).toBe(field);
}

/** The people operations of one user. */
function peopleOf(c: ChatClient) {
  const byName = (mutation: string) => (username: string) =>
    c.call(`mutation ($i: UsernameInput!) { ${mutation}(input: $i) { ${USER} } }`, { i: { username } });
  return {
    request: byName('sendFriendRequest'),
    remove: byName('removeFriend'),
    block: byName('blockUser'),
    unblock: byName('unblockUser'),
    respond: (username: string, accept: boolean) =>
      c.call(`mutation ($i: FriendResponseInput!) { respondToFriendRequest(input: $i) { ${USER} } }`, {
        i: { username, accept },
      }),
    profile: (input: Record<string, unknown>) =>
      c.call(`mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { ${USER} directMessagePolicy } }`, {
        i: input,
      }),
    friends: async () =>
      ((await c.data('{ friends { edges { node { username friendship } } } }')).friends.edges as any[]).map(
        (e) => e.node.username as string,
      ),
    requests: async () =>
      (
        (await c.data('{ friendRequests { edges { node { username friendship } } } }')).friendRequests.edges as any[]
      ).map((e) => e.node.username as string),
    inbox: async (args: Record<string, unknown> = {}) =>
      (await c.data(
        `query ($f: Int, $a: String, $u: Boolean) { notifications(first: $f, after: $a, unreadOnly: $u) {
            edges { cursor node { ${NOTIFICATION} } } pageInfo { hasNextPage endCursor } } unreadNotificationCount }`,
        args,
      )) as {
        notifications: { edges: { cursor: string; node: any }[]; pageInfo: any };
        unreadNotificationCount: number;
      },
    markRead: (input: Record<string, unknown>) =>
      c.call('mutation ($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) }', { i: input }),
    user: async (id: string) =>
      (await c.data(`query ($id: ID!) { node(id: $id) { ... on User { ${USER} } } }`, { id })).node,
  };
}

async function sent(c: ChatClient, roomId: string, body: string, threadRootId?: string) {
  const response = await c.call('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id seq } }', {
    i: { roomId, body, threadRootId },
  });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.sendMessage as { id: string; seq: number };
}

describe.each(databaseKinds)('people on the %s database', (kind) => {
  let server: TestServer;
  const users: Record<'ann' | 'ben' | 'cat' | 'dan', Session> = {} as never;
  const as: Record<'ann' | 'ben' | 'cat' | 'dan', ChatClient> = {} as never;
  const p: Record<'ann' | 'ben' | 'cat' | 'dan', ReturnType<typeof peopleOf>> = {} as never;
  let roomId: string;

  beforeAll(async () => {
    server = await startServer(await freshDatabaseEnv(cleanups, kind));
    cleanups.push(server.stop);
    for (const name of ['ann', 'ben', 'cat', 'dan'] as const) {
      users[name] = await registerUser(server.url, uniqueName(name));
      as[name] = chatClient(server.url, users[name].accessToken);
      p[name] = peopleOf(as[name]);
    }
    roomId = (await as.ann.createRoom(uniqueName('people'))).data!.createRoom.id;
    for (const name of ['ben', 'cat', 'dan'] as const) await as[name].joinRoom({ roomId });
  });
  const name = (who: keyof typeof users) => users[who].user.username;

  describe('Mutation.updateProfile', () => {
    it('changes the display name and policy, takes an avatar from an uploaded image, and tells the rooms', async () => {
      const socket = connect(server.wsUrl, users.ben.accessToken);
      cleanups.push(() => socket.dispose());
      const events = subscribe(
        socket,
        'subscription ($r: ID!) { roomEvents(roomId: $r) { __typename ... on UserUpdated { user { username displayName avatarUrl } } } }',
        { r: roomId },
      );
      await new Promise((r) => setTimeout(r, 200));
      const changed = await p.ann.profile({ displayName: '  Ann A.  ', directMessagePolicy: 'FRIENDS' });
      expect(changed.errors).toBeUndefined();
      expect(changed.data!.updateProfile).toMatchObject({
        displayName: 'Ann A.',
        directMessagePolicy: 'FRIENDS',
        avatarUrl: null,
      });
      await events.waitFor((e) => e.some((x) => x.roomEvents.user?.displayName === 'Ann A.'));

      // An avatar: an image Ann uploaded (to any room she may send to), copied, served signed.
      const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#cc3366' } })
        .png()
        .toBuffer();
      const uploaded = await uploadFile(server.graphqlUrl, users.ann.accessToken, roomId, {
        bytes: image,
        filename: 'me.png',
        type: 'image/png',
      });
      const attachmentId = uploaded.data!.uploadAttachment.id as string;
      // Someone else's upload is not theirs to use.
      refused(await p.ben.profile({ avatarAttachmentId: attachmentId }), 'FORBIDDEN', 'avatarAttachmentId');
      refused(await p.ann.profile({ avatarAttachmentId: 'nope' }), 'BAD_USER_INPUT', 'avatarAttachmentId');
      const withAvatar = (await p.ann.profile({ avatarAttachmentId: attachmentId })).data!.updateProfile;
      expect(withAvatar.avatarUrl).toMatch(/^\/files\/|^http/);
      const download = await fetch(new URL(withAvatar.avatarUrl, server.url));
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('image/webp');
      await events.waitFor((e) => e.some((x) => x.roomEvents.user?.avatarUrl));
      // Back to initials; an over-long name is refused and nothing changes.
      expect((await p.ann.profile({ avatarAttachmentId: null })).data!.updateProfile.avatarUrl).toBeNull();
      refused(await p.ann.profile({ displayName: 'x'.repeat(65) }), 'BAD_USER_INPUT', 'displayName');
      expect((await p.ann.profile({})).data!.updateProfile.displayName).toBe('Ann A.');
      refused(await peopleOf(chatClient(server.url)).profile({ displayName: 'guest' }), 'UNAUTHENTICATED');
      await p.ann.profile({ directMessagePolicy: 'EVERYONE' });
      events.stop();
    });
  });

  describe('friends', () => {
    it('request, accept, decline, remove; friendship as each side sees it; a request both ways makes friends', async () => {
      expect((await p.ann.request(name('ben'))).data!.sendFriendRequest.friendship).toBe('REQUESTED');
      expect(await p.ben.requests()).toEqual([name('ann')]);
      expect((await p.ben.user(users.ann.user.id)).friendship).toBe('INCOMING');
      expect((await p.ben.respond(name('ann'), true)).data!.respondToFriendRequest.friendship).toBe('FRIENDS');
      expect(await p.ann.friends()).toEqual([name('ben')]);
      expect(await p.ben.friends()).toEqual([name('ann')]);
      expect(await p.ben.requests()).toEqual([]);

      await p.cat.request(name('ann'));
      expect((await p.ann.respond(name('cat'), false)).data!.respondToFriendRequest.friendship).toBe('NONE');
      expect(await p.ann.requests()).toEqual([]);

      // Cat asks Dan while Dan asks Cat: friends.
      await p.cat.request(name('dan'));
      expect((await p.dan.request(name('cat'))).data!.sendFriendRequest.friendship).toBe('FRIENDS');
      expect((await p.cat.remove(name('dan'))).data!.removeFriend.friendship).toBe('NONE');
      expect(await p.dan.friends()).toEqual([]);
    });

    it('refuses oneself, unknown users, duplicates and answers to nothing, storing nothing', async () => {
      refused(await p.cat.request(name('cat')), 'BAD_USER_INPUT', 'username');
      refused(await p.cat.request('nobody_here_at_all'), 'NOT_FOUND', 'username');
      refused(await p.cat.request('no such user!'), 'BAD_USER_INPUT', 'username');
      await p.cat.request(name('ben'));
      refused(await p.cat.request(name('ben')), 'CONFLICT', 'username');
      refused(await p.ann.request(name('ben')), 'CONFLICT', 'username'); // already friends
      refused(await p.cat.respond(name('dan'), true), 'NOT_FOUND', 'username');
      refused(await p.dan.remove(name('ann')), 'NOT_FOUND', 'username');
      expect(await p.ben.requests()).toEqual([name('cat')]);
      await p.cat.remove(name('ben')); // withdraws the request
      expect(await p.ben.requests()).toEqual([]);
      refused(await chatClient(server.url).call('{ friends { edges { cursor } } }'), 'UNAUTHENTICATED');
    });

    it('a FRIENDS direct-message policy lets only friends open a direct room', async () => {
      await p.ben.profile({ directMessagePolicy: 'FRIENDS' });
      refused(await as.cat.openDirect(name('ben')), 'FORBIDDEN', 'username');
      expect((await as.ann.openDirect(name('ben'))).data!.openDirectRoom.kind).toBe('DIRECT'); // friends
      await p.ben.profile({ directMessagePolicy: 'EVERYONE' });
      expect((await as.cat.openDirect(name('ben'))).errors).toBeUndefined();
    });
  });

  describe('blocking', () => {
    it('stops direct rooms, invitations and friend requests from the blocked user, and flags their messages', async () => {
      const dan = name('dan');
      await p.cat.request(dan);
      const blocked = (await p.dan.block(name('cat'))).data!.blockUser;
      expect(blocked.friendship).toBe('BLOCKED');
      expect(await p.dan.requests()).toEqual([]); // the pending request went with the block
      const blockedList = await as.dan.data('{ blockedUsers { edges { node { username friendship } } } }');
      expect(blockedList.blockedUsers.edges.map((e: any) => e.node)).toEqual([
        { username: name('cat'), friendship: 'BLOCKED' },
      ]);
      expect((await p.dan.block(name('cat'))).errors).toBeUndefined(); // again: nothing changes
      refused(await p.dan.block(dan), 'BAD_USER_INPUT', 'username');
      refused(await p.dan.block('nobody_here_at_all'), 'NOT_FOUND', 'username');

      refused(await as.cat.openDirect(dan), 'FORBIDDEN', 'username');
      refused(await as.dan.openDirect(name('cat')), 'FORBIDDEN', 'username');
      refused(await p.cat.request(dan), 'FORBIDDEN', 'username');
      refused(await p.dan.request(name('cat')), 'FORBIDDEN', 'username');
      const secret = (await as.cat.createRoom(uniqueName('cat-secret'), 'PRIVATE')).data!.createRoom.id;
      refused(await as.cat.invite(secret, dan), 'FORBIDDEN', 'username');
      // An invitation made before the block is withdrawn by it.
      const earlier = (await as.cat.createRoom(uniqueName('cat-earlier'), 'PRIVATE')).data!.createRoom.id;
      await p.dan.unblock(name('cat'));
      expect((await as.cat.invite(earlier, dan)).errors).toBeUndefined();
      await p.dan.block(name('cat'));
      expect((await as.dan.joinRoom({ roomId: earlier })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await as.dan.joinRoom({ roomId: secret })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const message = await sent(as.cat, roomId, `hello @${dan}`);
      const read = async (c: ChatClient) =>
        (
          await c.data('query ($id: ID!) { node(id: $id) { ... on Message { body authorBlocked } } }', {
            id: message.id,
          })
        ).node;
      expect(await read(as.dan)).toEqual({ body: `hello @${dan}`, authorBlocked: true });
      expect(await read(as.ann)).toMatchObject({ authorBlocked: false });
      expect((await p.dan.inbox()).notifications.edges.map((e) => e.node.actor.username)).not.toContain(name('cat'));

      expect((await p.dan.unblock(name('cat'))).data!.unblockUser.friendship).toBe('NONE');
      expect((await p.dan.unblock(name('cat'))).errors).toBeUndefined();
      expect(await read(as.dan)).toMatchObject({ authorBlocked: false });
      expect((await as.cat.openDirect(dan)).errors).toBeUndefined();
    });
  });

  describe('notifications', () => {
    it('are made for mentions, replies, direct messages, invitations and friend requests; never one\u2019s own', async () => {
      const [ann, ben, cat] = [name('ann'), name('ben'), name('cat')];
      await p.ben.markRead({ all: true });
      const before = (await p.ben.inbox()).notifications.edges.length;
      const root = await sent(as.ben, roomId, 'a thread starts');
      await sent(as.ann, roomId, 'a reply', root.id); // REPLY to ben
      await sent(as.cat, roomId, `@${ben} @${ann} look`, root.id); // MENTION (not REPLY) to ben; MENTION to ann
      await sent(as.ben, roomId, `I mention myself @${ben}`); // nothing
      const direct = (await as.cat.openDirect(ben)).data!.openDirectRoom.id;
      await sent(as.cat, direct, 'psst'); // DIRECT_MESSAGE
      const secret = (await as.ann.createRoom(uniqueName('secret'), 'PRIVATE')).data!.createRoom;
      await as.ann.invite(secret.id, ben); // INVITATION
      await as.ann.invite(secret.id, ben); // again: nothing new
      await p.dan.request(ben); // FRIEND_REQUEST

      const { notifications, unreadNotificationCount } = await p.ben.inbox();
      const fresh = notifications.edges.slice(0, notifications.edges.length - before).map((e) => e.node);
      expect(fresh.map((n) => [n.kind, n.actor.username])).toEqual([
        ['FRIEND_REQUEST', name('dan')],
        ['INVITATION', ann],
        ['DIRECT_MESSAGE', cat],
        ['MENTION', cat],
        ['REPLY', ann],
      ]);
      expect(unreadNotificationCount).toBe(5);
      expect(fresh[1]).toMatchObject({ room: { id: secret.id, name: secret.name }, message: null });
      expect(fresh[2]).toMatchObject({ room: { id: direct }, message: { body: 'psst' } });
      expect(fresh[3]).toMatchObject({ room: { id: roomId }, message: { body: `@${ben} @${ann} look` } });
      expect(fresh[4].message.body).toBe('a reply');
      expect(fresh[0]).toMatchObject({ room: null, message: null, readAt: null });

      // Paging: newest first, page by page.
      const first = await p.ben.inbox({ f: 2 });
      expect(first.notifications.pageInfo.hasNextPage).toBe(true);
      const second = await p.ben.inbox({ f: 2, a: first.notifications.pageInfo.endCursor });
      expect([...first.notifications.edges, ...second.notifications.edges].map((e) => e.node.id)).toEqual(
        fresh.slice(0, 4).map((n) => n.id),
      );

      // Marking read: by ids (others' ids change nothing), then all.
      expect((await p.ann.markRead({ ids: [fresh[0].id] })).data!.markNotificationsRead).toBe(0);
      expect((await p.ben.markRead({ ids: [fresh[0].id, fresh[1].id] })).data!.markNotificationsRead).toBe(2);
      expect((await p.ben.markRead({ ids: [fresh[0].id] })).data!.markNotificationsRead).toBe(0);
      expect((await p.ben.inbox({ u: true })).notifications.edges.map((e) => e.node.id)).toEqual(
        fresh.slice(2).map((n) => n.id),
      );
      expect((await p.ben.markRead({ all: true })).data!.markNotificationsRead).toBe(3);
      expect((await p.ben.inbox()).unreadNotificationCount).toBe(0);
      await p.ben.respond(name('dan'), false);
    });

    it('come for every message of a direct room, and not for a plain message of a public one', async () => {
      await p.ben.markRead({ all: true });
      const direct = (await as.cat.openDirect(name('ben'))).data!.openDirectRoom.id;
      // The replica learns each room's kind from its first message; the later ones still notify.
      for (const body of ['one', 'two', 'three']) await sent(as.cat, direct, body);
      await sent(as.cat, roomId, 'to the room');
      await sent(as.cat, roomId, 'to the room again');
      const unread = (await p.ben.inbox({ u: true })).notifications.edges.map((e) => e.node);
      expect(unread.map((n) => [n.kind, n.message?.body])).toEqual([
        ['DIRECT_MESSAGE', 'three'],
        ['DIRECT_MESSAGE', 'two'],
        ['DIRECT_MESSAGE', 'one'],
      ]);
    });

    it('tells members newly named in an edit, once', async () => {
      const [ann, ben] = [name('ann'), name('ben')];
      await p.ben.markRead({ all: true });
      const { id } = await sent(as.cat, roomId, 'no names yet');
      const edit = (body: string) =>
        as.cat.call('mutation ($i: EditMessageInput!) { editMessage(input: $i) { id } }', {
          i: { messageId: id, body },
        });
      await edit(`now @${ben}`);
      await edit(`now @${ben} and @${ann}`); // Ben was told already
      const unread = (await p.ben.inbox({ u: true })).notifications.edges.map((e) => e.node);
      expect(unread.map((n) => [n.kind, n.message?.id])).toEqual([['MENTION', id]]);
      expect((await p.ann.inbox({ u: true })).notifications.edges[0]!.node.message.body).toBe(
        `now @${ben} and @${ann}`,
      );
      // Dated when the edit named them, not when the message was sent.
      const { notifications } = await as.ann.data(
        'query { notifications(first: 1) { edges { node { createdAt message { createdAt editedAt } } } } }',
      );
      const { createdAt, message } = notifications.edges[0].node;
      expect(Date.parse(createdAt)).toBeGreaterThanOrEqual(Date.parse(message.editedAt));
      expect(Date.parse(createdAt)).toBeGreaterThan(Date.parse(message.createdAt));
      await p.ben.markRead({ all: true });
      await p.ann.markRead({ all: true });
    });

    it('shows nothing about a private room the user has left', async () => {
      const ben = name('ben');
      const secret = (await as.ann.createRoom(uniqueName('left'), 'PRIVATE')).data!.createRoom.id;
      await as.ann.invite(secret, ben);
      await as.ben.joinRoom({ roomId: secret });
      await p.ben.markRead({ all: true });
      await sent(as.ann, secret, `@${ben} secret plans`);
      const before = (await p.ben.inbox({ u: true })).notifications.edges;
      expect(before.map((e) => e.node.message?.body)).toEqual([`@${ben} secret plans`]);
      await as.ben.leaveRoom(secret);
      const after = await p.ben.inbox();
      const aboutIt = after.notifications.edges.filter((e) => e.node.room?.id === secret).map((e) => e.node.kind);
      expect(aboutIt).toEqual(['INVITATION']); // the invitation stays; the message no longer shows
      expect(after.unreadNotificationCount).toBe(0);
      // Nor does asking for the mention by its id.
      const byId = await as.ben.call(
        'query ($id: ID!) { node(id: $id) { id ... on Notification { message { body } } } }',
        {
          id: before[0]!.node.id,
        },
      );
      expect(JSON.stringify(byId)).not.toContain('secret plans');
      expect(byId.data?.node ?? null).toBeNull();
    });

    it('refuses bad markNotificationsRead input and changes nothing', async () => {
      const ben = name('ben');
      await sent(as.ann, roomId, `@${ben} unread`);
      const count = (await p.ben.inbox()).unreadNotificationCount;
      refused(await p.ben.markRead({}), 'BAD_USER_INPUT', 'ids');
      refused(await p.ben.markRead({ ids: [], all: true }), 'BAD_USER_INPUT', 'ids');
      refused(await p.ben.markRead({ ids: [] }), 'BAD_USER_INPUT', 'ids');
      refused(await p.ben.markRead({ ids: [roomId] }), 'BAD_USER_INPUT', 'ids');
      refused(await p.ben.markRead({ ids: Array.from({ length: 101 }, () => roomId) }), 'BAD_USER_INPUT', 'ids');
      refused(await as.ben.call('{ notifications(after: "junk") { edges { cursor } } }'), 'BAD_USER_INPUT', 'after');
      expect(count).toBeGreaterThan(0);
      expect((await p.ben.inbox()).unreadNotificationCount).toBe(count);
      refused(await chatClient(server.url).call('{ unreadNotificationCount }'), 'UNAUTHENTICATED');
    });

    it('arrive live on notificationAdded, and never from a blocked user', async () => {
      const socket = connect(server.wsUrl, users.dan.accessToken);
      cleanups.push(() => socket.dispose());
      const live = subscribe(socket, `subscription { notificationAdded { ${NOTIFICATION} } }`);
      await new Promise((r) => setTimeout(r, 200));
      await p.dan.block(name('cat'));
      await sent(as.cat, roomId, `@${name('dan')} from a blocked user`);
      await sent(as.ann, roomId, `@${name('dan')} from a friend`);
      const [event] = await live.waitFor((e) => e.length >= 1);
      expect(event!.notificationAdded).toMatchObject({ kind: 'MENTION', actor: { username: name('ann') } });
      await new Promise((r) => setTimeout(r, 300));
      expect(live.events()).toHaveLength(1);
      await p.dan.unblock(name('cat'));
      live.stop();
      const guest = subscribe(connect(server.wsUrl), 'subscription { notificationAdded { id } }');
      await guest.ended;
      expect(guest.results[0]!.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});

describe.runIf(hasPostgres && hasRedis)('people on two replicas (PostgreSQL + Redis)', () => {
  it('UserUpdated and notificationAdded reach subscribers on the other replica', async () => {
    const env = { ...(await freshDatabaseEnv(cleanups, 'postgres')), REDIS_URL: redisUrl! };
    const [one, two] = [await startServer(env), await startServer(env)];
    cleanups.push(one.stop, two.stop);
    const [eve, fay] = [await registerUser(one.url), await registerUser(one.url)];
    const c1 = chatClient(one.url, eve.accessToken);
    const roomId = (await c1.createRoom(uniqueName('replicas'))).data!.createRoom.id;
    await chatClient(two.url, fay.accessToken).joinRoom({ roomId });
    const socket = connect(two.wsUrl, fay.accessToken);
    cleanups.push(() => socket.dispose());
    const room = subscribe(
      socket,
      'subscription ($r: ID!) { roomEvents(roomId: $r) { ... on UserUpdated { user { displayName } } } }',
      { r: roomId },
    );
    const inbox = subscribe(socket, 'subscription { notificationAdded { kind actor { username } } }');
    await new Promise((r) => setTimeout(r, 300));
    await peopleOf(c1).profile({ displayName: 'Eve on one' });
    await sent(c1, roomId, `hi @${fay.user.username}`);
    await room.waitFor((e) => e.some((x) => x.roomEvents.user?.displayName === 'Eve on one'));
    const [added] = await inbox.waitFor((e) => e.length === 1);
    expect(added!.notificationAdded).toEqual({ kind: 'MENTION', actor: { username: eve.user.username } });
  });
});
