import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, outcome, parties, type ChatClient } from './support/chat.js';
import { databaseKinds, freshDatabaseEnv } from './support/databases.js';
import { hasPostgres } from './support/env.js';
import { rawId, spawnReplicas, startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe.each(databaseKinds)('the chat on the %s database', (kind) => {
  let server: TestServer;
  /** Creates rooms, writes the first message of each. */
  let owner: Session;
  let member: Session;
  let as: { owner: ChatClient; member: ChatClient; outsider: ChatClient; guest: ChatClient };
  const rooms = {} as Record<'PUBLIC' | 'PRIVATE' | 'DIRECT', { id: string; messageId: string }>;

  beforeAll(async () => {
    server = await startServer(await freshDatabaseEnv(cleanups, kind), { countQueries: true });
    cleanups.push(server.stop);
    ({ owner, member, as } = await parties(server.url));
    const pub = (await as.owner.data('mutation { createRoom(input: { name: "matrix-public", kind: PUBLIC }) { id } }'))
      .createRoom;
    await as.member.joinRoom({ roomId: pub.id });
    const priv = (await as.owner.createRoom('matrix-private', 'PRIVATE')).data!.createRoom;
    await as.owner.invite(priv.id, member.user.username);
    expect(outcome(await as.member.joinRoom({ roomId: priv.id }))).toBe('OK');
    const direct = (await as.owner.openDirect(member.user.username)).data!.openDirectRoom;
    for (const [name, room] of [
      ['PUBLIC', pub],
      ['PRIVATE', priv],
      ['DIRECT', direct],
    ] as const) {
      const sent = await as.owner.send(room.id, `first words in ${name.toLowerCase()}`);
      rooms[name] = { id: room.id, messageId: sent.data!.sendMessage.id };
    }
  });

  describe('authorization', () => {
    type Role = 'guest' | 'outsider' | 'member' | 'owner';
    type Op = (c: ChatClient, room: { id: string; messageId: string }) => Promise<unknown>;
    const ops: Record<string, Op> = {
      'Query.room': (c, r) => c.room(r.id),
      'Query.messages': (c, r) => c.messages(r.id, { last: 10 }),
      'Query.messagesSince': (c, r) => c.since(r.id, 0),
      'Query.searchMessages(roomId)': (c, r) => c.search('words', r.id),
      'Mutation.sendMessage': (c, r) => c.send(r.id, 'hello'),
      'Mutation.markRead': (c, r) => c.markRead(r.id, 1),
      'Mutation.editMessage': (c, r) => c.edit(r.messageId, `edited ${Math.random()}`),
      'Mutation.deleteMessage(other)': (c, r) => c.remove(r.messageId),
      'Mutation.inviteToRoom': (c, r) => c.invite(r.id, uniqueName('nobody')),
    };
    // Expected outcome per operation, room kind (PUBLIC PRIVATE DIRECT) and role.
    const U = 'UNAUTHENTICATED';
    const F = 'FORBIDDEN';
    const expected: Record<string, Record<Role, [string, string, string]>> = {
      'Query.room': {
        guest: ['OK', F, F],
        outsider: ['OK', F, F],
        member: ['OK', 'OK', 'OK'],
        owner: ['OK', 'OK', 'OK'],
      },
      'Query.messages': {
        guest: ['OK', F, F],
        outsider: ['OK', F, F],
        member: ['OK', 'OK', 'OK'],
        owner: ['OK', 'OK', 'OK'],
      },
      'Query.messagesSince': {
        guest: ['OK', F, F],
        outsider: ['OK', F, F],
        member: ['OK', 'OK', 'OK'],
        owner: ['OK', 'OK', 'OK'],
      },
      'Query.searchMessages(roomId)': {
        guest: ['OK', F, F],
        outsider: ['OK', F, F],
        member: ['OK', 'OK', 'OK'],
        owner: ['OK', 'OK', 'OK'],
      },
      'Mutation.sendMessage': {
        guest: [U, U, U],
        outsider: [F, F, F],
        member: ['OK', 'OK', 'OK'],
        owner: ['OK', 'OK', 'OK'],
      },
      'Mutation.markRead': {
        guest: [U, U, U],
        outsider: [F, F, F],
        member: ['OK', 'OK', 'OK'],
        owner: ['OK', 'OK', 'OK'],
      },
      'Mutation.editMessage': { guest: [U, U, U], outsider: [F, F, F], member: [F, F, F], owner: ['OK', 'OK', 'OK'] },
      // The inviter must be a member of a PRIVATE room; the invitee here does not exist (NOT_FOUND
      // comes only after the inviter passed the check).
      'Mutation.inviteToRoom': {
        guest: [U, U, U],
        outsider: [F, F, F],
        member: [F, 'NOT_FOUND', F],
        owner: [F, 'NOT_FOUND', F],
      },
    };
    const cases = Object.entries(expected).flatMap(([op, byRole]) =>
      Object.entries(byRole).flatMap(([role, outcomes]) =>
        (['PUBLIC', 'PRIVATE', 'DIRECT'] as const).map(
          (roomKind, i) => [op, role as Role, roomKind, outcomes[i]!] as const,
        ),
      ),
    );

    it.each(cases)('%s by %s on a %s room: %s', async (op, role, roomKind, want) => {
      const result = (await ops[op]!(as[role === 'owner' ? 'owner' : role], rooms[roomKind])) as Parameters<
        typeof outcome
      >[0];
      expect(outcome(result)).toBe(want);
    });

    it.each(['PUBLIC', 'PRIVATE', 'DIRECT'] as const)(
      'the author, or an owner of a PUBLIC or PRIVATE room, deletes a message in a %s room',
      async (roomKind) => {
        const mine = (await as.member.send(rooms[roomKind].id, 'to be deleted')).data!.sendMessage;
        expect(outcome(await as.guest.remove(mine.id))).toBe('UNAUTHENTICATED');
        expect(outcome(await as.outsider.remove(mine.id))).toBe('FORBIDDEN');
        // In a DIRECT room the other person is no moderator.
        if (roomKind === 'DIRECT') expect(outcome(await as.owner.remove(mine.id))).toBe('FORBIDDEN');
        const deleted = await as.member.remove(mine.id);
        expect(deleted.data!.deleteMessage).toMatchObject({ body: '', deletedAt: expect.any(String) });
        if (roomKind !== 'DIRECT') {
          const another = (await as.member.send(rooms[roomKind].id, 'removed by the owner')).data!.sendMessage;
          const removed = await as.owner.remove(another.id);
          expect(removed.data!.deleteMessage).toMatchObject({ body: '', deletedAt: expect.any(String) });
        }
      },
    );

    it('joining: PUBLIC by anyone signed in, PRIVATE with an invitation only, DIRECT never', async () => {
      const newcomer = chatClient(server.url, (await registerUser(server.url)).accessToken);
      expect(outcome(await as.guest.joinRoom({ roomId: rooms.PUBLIC.id }))).toBe('UNAUTHENTICATED');
      expect(outcome(await newcomer.joinRoom({ roomId: rooms.PUBLIC.id }))).toBe('OK');
      expect(outcome(await newcomer.joinRoom({ roomId: rooms.PUBLIC.id }))).toBe('OK'); // idempotent
      expect(outcome(await newcomer.joinRoom({ roomId: rooms.PRIVATE.id }))).toBe('FORBIDDEN');
      expect(outcome(await newcomer.joinRoom({ roomId: rooms.DIRECT.id }))).toBe('FORBIDDEN');
    });

    it('search without a room looks only in rooms the viewer may read', async () => {
      const word = `kiwi${Math.random().toString(36).slice(2, 8)}`;
      for (const roomKind of ['PUBLIC', 'PRIVATE', 'DIRECT'] as const) {
        await as.owner.send(rooms[roomKind].id, `${word} in ${roomKind}`);
      }
      const bodies = async (c: ChatClient) =>
        ((await c.search(word)).data!.searchMessages.edges as { node: { body: string } }[])
          .map((e) => e.node.body)
          .sort();
      expect(await bodies(as.guest)).toEqual([`${word} in PUBLIC`]);
      expect(await bodies(as.outsider)).toEqual([`${word} in PUBLIC`]);
      expect(await bodies(as.member)).toEqual([`${word} in DIRECT`, `${word} in PRIVATE`, `${word} in PUBLIC`]);
    });

    it('node(id) hides rooms and messages the viewer may not read, as if they did not exist', async () => {
      const node = (c: ChatClient, id: string) => c.call('query ($id: ID!) { node(id: $id) { id } }', { id });
      expect((await node(as.guest, rooms.PUBLIC.id)).data!.node).toEqual({ id: rooms.PUBLIC.id });
      expect(outcome(await node(as.guest, rooms.PRIVATE.id))).toBe('NOT_FOUND');
      expect(outcome(await node(as.outsider, rooms.DIRECT.messageId))).toBe('NOT_FOUND');
      expect(outcome(await node(as.outsider, encodeGlobalID('Message', crypto.randomUUID())))).toBe('NOT_FOUND');
      expect((await node(as.member, rooms.DIRECT.messageId)).data!.node).toEqual({ id: rooms.DIRECT.messageId });
    });
  });

  describe('rooms', () => {
    it('createRoom makes the creator a member; names are unique in any case', async () => {
      const name = uniqueName('Lobby');
      const created = await as.owner.createRoom(name, 'PUBLIC', 'all things');
      expect(created.data!.createRoom).toMatchObject({ name, kind: 'PUBLIC', memberCount: 1, lastSeq: 0 });
      const again = await as.member.createRoom(name.toUpperCase(), 'PRIVATE');
      expect(outcome(again)).toBe('CONFLICT');
      expect(again.errors![0]!.extensions!.field).toBe('name');
    });

    it.each([
      ['an empty name', '   ', 'name'],
      ['a name over 64 characters', 'n'.repeat(65), 'name'],
    ])('createRoom refuses %s with BAD_USER_INPUT', async (_what, name, field) => {
      const result = await as.owner.createRoom(name);
      expect(outcome(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.field).toBe(field);
    });

    it('createRoom refuses DIRECT and guests', async () => {
      expect(outcome(await as.owner.call('mutation { createRoom(input: { name: "dm", kind: DIRECT }) { id } }'))).toBe(
        'BAD_USER_INPUT',
      );
      expect(outcome(await as.guest.createRoom(uniqueName()))).toBe('UNAUTHENTICATED');
    });

    it('joinRoom by name; a DIRECT room cannot be joined by name', async () => {
      const name = uniqueName('byname');
      await as.owner.createRoom(name);
      const joined = await as.outsider.joinRoom({ name: name.toUpperCase() });
      expect(joined.data!.joinRoom).toMatchObject({ memberCount: 2, viewerIsMember: true });
      const directName = (await as.member.data('query ($id: ID!) { room(id: $id) { name } }', { id: rooms.DIRECT.id }))
        .room.name;
      expect(outcome(await as.outsider.joinRoom({ name: directName }))).not.toBe('OK');
    });

    it('inviting someone already a member is refused with CONFLICT', async () => {
      const result = await as.owner.invite(rooms.PRIVATE.id, member.user.username);
      expect(outcome(result)).toBe('CONFLICT');
    });

    it('leaveRoom: memberCount follows, and a member who left can no longer send', async () => {
      const leaver = await registerUser(server.url);
      const c = chatClient(server.url, leaver.accessToken);
      const before = (await c.joinRoom({ roomId: rooms.PUBLIC.id })).data!.joinRoom.memberCount;
      const left = (await c.leaveRoom(rooms.PUBLIC.id)).data!.leaveRoom;
      expect(left).toMatchObject({ memberCount: before - 1, viewerIsMember: false });
      const lastSeq = (await as.owner.room(rooms.PUBLIC.id)).data!.room.lastSeq;
      expect(outcome(await c.send(rooms.PUBLIC.id, 'still here?'))).toBe('FORBIDDEN');
      expect((await as.owner.room(rooms.PUBLIC.id)).data!.room.lastSeq).toBe(lastSeq);
      expect(outcome(await as.member.leaveRoom(rooms.DIRECT.id))).toBe('FORBIDDEN');
    });

    it('leaving a PRIVATE room returns the room as it is now, though the viewer may no longer read it', async () => {
      const room = (await as.owner.createRoom(uniqueName('exit'), 'PRIVATE')).data!.createRoom.id;
      const guestOf = await registerUser(server.url);
      await as.owner.invite(room, guestOf.user.username);
      const theirs = chatClient(server.url, guestOf.accessToken);
      expect((await theirs.joinRoom({ roomId: room })).data!.joinRoom).toMatchObject({
        memberCount: 2,
        viewerIsMember: true,
      });
      const left = await theirs.leaveRoom(room);
      expect(left.errors).toBeUndefined();
      expect(left.data!.leaveRoom).toMatchObject({ id: room, memberCount: 1, viewerIsMember: false });
      expect(outcome(await theirs.room(room))).toBe('FORBIDDEN');
    });

    it('openDirectRoom gives the same room to both, even opened at the same moment', async () => {
      const [a, b] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
      const [fromA, fromB] = await Promise.all([
        chatClient(server.url, a.accessToken).openDirect(b.user.username),
        chatClient(server.url, b.accessToken).openDirect(a.user.username),
      ]);
      expect(fromA.data!.openDirectRoom.id).toBe(fromB.data!.openDirectRoom.id);
      expect(fromA.data!.openDirectRoom).toMatchObject({ kind: 'DIRECT', memberCount: 2 });
      const again = await chatClient(server.url, a.accessToken).openDirect(b.user.username.toUpperCase());
      expect(again.data!.openDirectRoom.id).toBe(fromA.data!.openDirectRoom.id);
      expect(outcome(await chatClient(server.url, a.accessToken).openDirect(a.user.username))).toBe('BAD_USER_INPUT');
      expect(outcome(await chatClient(server.url, a.accessToken).openDirect(uniqueName('ghost')))).toBe('NOT_FOUND');
    });

    it('publicRooms pages and searches by name; myRooms puts the latest activity first', async () => {
      const tag = uniqueName('dir');
      const names = ['alpha', 'beta', 'gamma'].map((n) => `${tag}-${n}`);
      const ids: string[] = [];
      for (const name of names) ids.push((await as.outsider.createRoom(name)).data!.createRoom.id);
      const page = await as.guest.data(
        'query ($s: String) { publicRooms(first: 2, search: $s) { edges { node { name } } pageInfo { hasNextPage endCursor } } }',
        {
          s: tag.toUpperCase(),
        },
      );
      expect(page.publicRooms.edges.map((e: any) => e.node.name)).toEqual(names.slice(0, 2));
      const rest = await as.guest.data(
        'query ($s: String, $a: String) { publicRooms(first: 2, after: $a, search: $s) { edges { node { name } } pageInfo { hasNextPage } } }',
        {
          s: tag,
          a: page.publicRooms.pageInfo.endCursor,
        },
      );
      expect(rest.publicRooms.edges.map((e: any) => e.node.name)).toEqual(names.slice(2));
      expect(rest.publicRooms.pageInfo.hasNextPage).toBe(false);

      await as.outsider.send(ids[0]!, 'alpha is alive');
      const mine = await as.outsider.data('{ myRooms(first: 3) { edges { node { name } } } }');
      expect(mine.myRooms.edges.map((e: any) => e.node.name)).toEqual([names[0], names[2], names[1]]);
      expect(outcome(await as.guest.call('{ myRooms { edges { node { id } } } }'))).toBe('UNAUTHENTICATED');
    });

    it('unreadCount follows messages from others and markRead, which only moves forward', async () => {
      const room = (await as.owner.createRoom(uniqueName('unread'))).data!.createRoom;
      await as.member.joinRoom({ roomId: room.id });
      for (let i = 0; i < 3; i++) await as.owner.send(room.id, `news ${i}`);
      expect((await as.member.room(room.id)).data!.room.unreadCount).toBe(3);
      expect((await as.owner.room(room.id)).data!.room.unreadCount).toBe(0);
      expect((await as.member.markRead(room.id, 2)).data!.markRead).toMatchObject({
        unreadCount: 1,
        viewerLastReadSeq: 2,
      });
      expect((await as.member.markRead(room.id, 1)).data!.markRead).toMatchObject({
        unreadCount: 1,
        viewerLastReadSeq: 2,
      });
      expect((await as.member.markRead(room.id, 99)).data!.markRead).toMatchObject({
        unreadCount: 0,
        viewerLastReadSeq: 3,
      });
      expect(outcome(await as.member.markRead(room.id, -1))).toBe('BAD_USER_INPUT');
      expect((await as.guest.room(room.id)).data!.room.unreadCount).toBe(0);
    });

    it('an author deletes a message in one statement; a reply also recounts its thread', async () => {
      const room = (await as.owner.createRoom(uniqueName('delete-once'))).data!.createRoom;
      const statements = async (messageId: string) => {
        const before = server.app.services.db.queryCount();
        const answer = await as.owner.remove(messageId);
        expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
        expect(answer.data!.deleteMessage).toMatchObject({ id: messageId, body: '' });
        return server.app.services.db.queryCount() - before;
      };
      const root = (await as.owner.send(room.id, 'root')).data!.sendMessage;
      const reply = (
        await as.owner.call('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
          i: { roomId: room.id, body: 'reply', threadRootId: root.id },
        })
      ).data!.sendMessage;
      expect(await statements(reply.id)).toBe(2);
      expect(await statements(root.id)).toBe(1);
      const { node } = await as.owner.data(
        'query ($id: ID!) { node(id: $id) { ... on Message { replyCount deletedAt } } }',
        {
          id: root.id,
        },
      );
      expect(node.replyCount).toBe(0);
      expect(node.deletedAt).not.toBeNull();
    });

    it('markRead moving the position is one statement, and answers what a read of the room would', async () => {
      const room = (await as.owner.createRoom(uniqueName('read-once'))).data!.createRoom;
      await as.member.joinRoom({ roomId: room.id });
      for (let i = 0; i < 4; i++) await as.owner.send(room.id, `item ${i}`);
      const ROOM = `id name kind topic memberCount lastSeq unreadCount viewerIsMember viewerLastReadSeq viewerRole
        viewerMutedUntil slowModeSeconds archivedAt createdAt lastActivityAt`;
      const markRead = async (seq: number, selection: string) => {
        const before = server.app.services.db.queryCount();
        const answer = await as.member.data(`mutation ($i: MarkReadInput!) { markRead(input: $i) { ${selection} } }`, {
          i: { roomId: room.id, seq },
        });
        return { room: answer.markRead, statements: server.app.services.db.queryCount() - before };
      };
      const read = async (selection: string) =>
        (await as.member.data(`query ($id: ID!) { room(id: $id) { ${selection} } }`, { id: room.id })).room;

      // What the web app asks: the change and the answer in one statement.
      const webApp = await markRead(1, 'id viewerLastReadSeq unreadCount');
      expect(webApp).toEqual({ room: { id: room.id, viewerLastReadSeq: 1, unreadCount: 3 }, statements: 1 });
      const all = await markRead(2, ROOM);
      expect(all.statements).toBe(1);
      expect(all.room).toEqual(await read(ROOM));
      // More than the room and the viewer's membership: read again, the same way a query reads it.
      const members = `${ROOM} members(first: 5) { edges { node { username } } }`;
      const more = await markRead(3, members);
      expect(more.statements).toBeGreaterThan(1);
      expect(more.room).toEqual(await read(members));
      // Nothing to move: the room as it is.
      expect((await markRead(3, ROOM)).room).toEqual(await read(ROOM));
    });
  });

  describe('messages', () => {
    it('sendMessage stores the message with the next seq; edit and delete by the author', async () => {
      const room = (await as.owner.createRoom(uniqueName('talk'))).data!.createRoom;
      const one = (await as.owner.send(room.id, '  hello there  ')).data!.sendMessage;
      const two = (await as.owner.send(room.id, 'second')).data!.sendMessage;
      expect([one.seq, two.seq]).toEqual([1, 2]);
      expect(one.body).toBe('hello there');
      const edited = (await as.owner.edit(one.id, 'hello again')).data!.editMessage;
      expect(edited).toMatchObject({ body: 'hello again', editedAt: expect.any(String) });
      expect((await as.owner.remove(two.id)).data!.deleteMessage).toMatchObject({ body: '' });
      const history = (await as.guest.messages(room.id)).data!.messages.edges.map((e: any) => [
        e.node.seq,
        e.node.body,
      ]);
      expect(history).toEqual([
        [1, 'hello again'],
        [2, ''],
      ]);
    });

    it.each([
      ['an empty body', '', 'body'],
      ['a whitespace-only body', ' \n\t ', 'body'],
      ['a body over 4000 characters', 'x'.repeat(4001), 'body'],
    ])('sendMessage refuses %s and stores nothing', async (_what, body, field) => {
      const before = (await as.owner.room(rooms.PUBLIC.id)).data!.room.lastSeq;
      const result = await as.owner.send(rooms.PUBLIC.id, body);
      expect(outcome(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions!.field).toBe(field);
      expect((await as.owner.room(rooms.PUBLIC.id)).data!.room.lastSeq).toBe(before);
    });

    it('a body of exactly 4000 characters is accepted', async () => {
      expect(outcome(await as.owner.send(rooms.PUBLIC.id, 'y'.repeat(4000)))).toBe('OK');
    });

    it('unknown ids are NOT_FOUND; malformed ones and ids of another type are BAD_USER_INPUT', async () => {
      const unknownRoom = encodeGlobalID('Room', crypto.randomUUID());
      expect(outcome(await as.owner.send(unknownRoom, 'hi'))).toBe('NOT_FOUND');
      expect(outcome(await as.owner.room(unknownRoom))).toBe('NOT_FOUND');
      const malformed = await as.owner.send('not-an-id', 'hi');
      expect(outcome(malformed)).toBe('BAD_USER_INPUT');
      expect(malformed.errors![0]!.extensions!.field).toBe('roomId');
      expect(outcome(await as.owner.send(owner.user.id, 'hi'))).toBe('BAD_USER_INPUT');
      expect(outcome(await as.owner.edit(encodeGlobalID('Message', crypto.randomUUID()), 'x'))).toBe('NOT_FOUND');
    });

    it('retries with one clientMessageId store one message', async () => {
      const room = (await as.owner.createRoom(uniqueName('retry'))).data!.createRoom;
      const key = uniqueName('cmid');
      const results = await Promise.all(Array.from({ length: 8 }, () => as.owner.send(room.id, 'only once', key)));
      const ids = new Set(results.map((r) => r.data!.sendMessage.id));
      expect(ids.size).toBe(1);
      expect(results[0]!.data!.sendMessage).toMatchObject({ seq: 1, clientMessageId: key });
      expect((await as.owner.room(room.id)).data!.room.lastSeq).toBe(1);
      // Someone else's message shows no clientMessageId.
      const seen = await as.member.data('query ($id: ID!) { node(id: $id) { ... on Message { clientMessageId } } }', {
        id: [...ids][0],
      });
      expect(seen.node.clientMessageId).toBeNull();
    });

    it('pages forward and backward over 1,000 messages, visiting each exactly once in order', async () => {
      const room = (await as.owner.createRoom(uniqueName('history'))).data!.createRoom;
      const prisma = server.app.services.db.prisma;
      const roomId = rawId(room.id);
      await prisma.message.createMany({
        data: Array.from({ length: 1000 }, (_, i) => ({
          id: crypto.randomUUID(),
          roomId,
          seq: i + 1,
          authorId: rawId(owner.user.id),
          body: `message ${i + 1}`,
        })),
      });
      await prisma.room.update({ where: { id: roomId }, data: { lastSeq: 1000 } });

      const forward: number[] = [];
      let after: string | undefined;
      for (let page = 0; page < 20; page++) {
        const conn = (await as.guest.messages(room.id, { first: 100, after })).data!.messages;
        forward.push(...conn.edges.map((e: any) => e.node.seq));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(forward).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));

      const backward: number[][] = [];
      let before: string | undefined;
      for (let page = 0; page < 20; page++) {
        const conn = (await as.guest.messages(room.id, { last: 100, before })).data!.messages;
        const seqs = conn.edges.map((e: any) => e.node.seq);
        expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b)); // oldest → newest in every page
        backward.unshift(seqs);
        if (!conn.pageInfo.hasPreviousPage) break;
        before = conn.pageInfo.startCursor;
      }
      expect(backward.flat()).toEqual(forward);

      const since = (await as.guest.since(room.id, 990)).data!.messagesSince.map((m: any) => m.seq);
      expect(since).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
    });

    it('page sizes and cursors are checked', async () => {
      const other = (await as.owner.createRoom(uniqueName('other'))).data!.createRoom;
      await as.owner.send(other.id, 'elsewhere');
      const otherCursor = (await as.guest.messages(other.id)).data!.messages.pageInfo.endCursor;
      const cursor = (await as.guest.messages(rooms.PUBLIC.id)).data!.messages.pageInfo.endCursor as string;
      const forged = cursor.slice(0, -3) + (cursor.endsWith('AAA') ? 'BBB' : 'AAA');
      for (const [args, field] of [
        [{ first: 0 }, 'first'],
        [{ first: 101 }, 'first'],
        [{ last: 101 }, 'last'],
        [{ first: 10, last: 10 }, 'last'],
        [{ after: otherCursor }, 'after'],
        [{ before: forged }, 'before'],
        [{ after: 'garbage' }, 'after'],
      ] as const) {
        const result = await as.guest.messages(rooms.PUBLIC.id, args);
        expect(outcome(result), JSON.stringify(args)).toBe('BAD_USER_INPUT');
        expect(result.errors![0]!.extensions!.field).toBe(field);
      }
    });

    it('a page of 50 messages with their authors and room costs the same few queries as a page of 5', async () => {
      const room = (await as.owner.createRoom(uniqueName('nplus1'))).data!.createRoom;
      const authors = [owner, member];
      await as.member.joinRoom({ roomId: room.id });
      for (let i = 0; i < 60; i++) await chatClient(server.url, authors[i % 2]!.accessToken).send(room.id, `m${i}`);
      // The history screen's selection is read by one flat join; asking for the message's room too
      // goes the way Prisma plans it. Both cost the same for 5 and 50 messages, and agree.
      const nodes = {
        history: 'id seq body createdAt author { id username displayName }',
        withRoom: 'id seq body createdAt author { id username displayName } room { name kind }',
      };
      const pages: Record<string, unknown[]> = {};
      for (const [name, node] of Object.entries(nodes)) {
        const page = (n: number) =>
          as.member.data(
            `query ($id: ID!, $n: Int) { room(id: $id) { name viewerIsMember unreadCount
              messages(last: $n) { edges { cursor node { ${node} } } } } }`,
            { id: room.id, n },
          );
        const count = async (n: number) => {
          const before = server.app.services.db.queryCount();
          const data = await page(n);
          expect(data.room.messages.edges).toHaveLength(n);
          pages[name] = data.room.messages.edges;
          return server.app.services.db.queryCount() - before;
        };
        const small = await count(5);
        const large = await count(50);
        expect(large, name).toBe(small);
        // room(id:) and the page (with the viewer's membership): one statement each.
        expect(large, name).toBe(2);
      }
      const withoutRoom = (pages.withRoom as { node: Record<string, unknown> }[]).map(
        ({ node: { room: shown, ...node }, ...edge }) => {
          expect(shown).toEqual({ name: room.name, kind: 'PUBLIC' });
          return { ...edge, node };
        },
      );
      expect(pages.history).toEqual(withoutRoom);
      expect((pages.history as { node: { seq: number } }[]).map((e) => e.node.seq)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 11),
      );
    });

    it('search ranks matches, excludes deleted messages, and refuses an empty query', async () => {
      const room = (await as.owner.createRoom(uniqueName('search'))).data!.createRoom;
      const word = `zebra${Math.random().toString(36).slice(2, 8)}`;
      await as.owner.send(room.id, `${word} ${word} ${word} crossing`);
      await as.owner.send(room.id, `one ${word} here among many other words in a long sentence`);
      const gone = (await as.owner.send(room.id, `${word} deleted`)).data!.sendMessage;
      await as.owner.remove(gone.id);
      const found = (await as.guest.search(word)).data!.searchMessages.edges.map((e: any) => e.node.body);
      expect(found).toEqual([
        `${word} ${word} ${word} crossing`,
        `one ${word} here among many other words in a long sentence`,
      ]);
      expect(outcome(await as.guest.search('   '))).toBe('BAD_USER_INPUT');
    });
  });
});

describe.runIf(hasPostgres)('Mutation.sendMessage under concurrency', () => {
  it('200 concurrent sends through two server processes give seq 1…200 with no gap or repeat', async () => {
    const env = await freshDatabaseEnv(cleanups, 'postgres');
    const { urls } = await spawnReplicas(2, env, cleanups);
    const senders = await Promise.all(Array.from({ length: 4 }, () => registerUser(urls[0]!)));
    const room = (await chatClient(urls[0]!, senders[0]!.accessToken).createRoom(uniqueName('race'))).data!.createRoom;
    for (const s of senders.slice(1)) await chatClient(urls[1]!, s.accessToken).joinRoom({ roomId: room.id });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        chatClient(urls[i % 2]!, senders[i % 4]!.accessToken).send(room.id, `message ${i}`, `k${i}`),
      ),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    const seqs = results.map((r) => r.data!.sendMessage.seq).sort((x: number, y: number) => x - y);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const stored = (await chatClient(urls[1]!, senders[0]!.accessToken).since(room.id, 0, 1000)).data!.messagesSince;
    expect(stored.map((m: any) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});
