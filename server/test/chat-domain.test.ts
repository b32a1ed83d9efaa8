import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeCursor,
  decodeKeyCursor,
  encodeCursor,
  encodeCursors,
  encodeKeyCursor,
  toConnection,
} from '../src/chat/cursor.js';
import {
  deleteMessage,
  editMessage,
  listMessages,
  messagesSince,
  SEARCH_WINDOW,
  searchMessages,
  sendMessage,
} from '../src/chat/messages.js';
import { PUBLIC_USER_SELECT } from '../src/chat/carried.js';
import { markRead } from '../src/chat/read-positions.js';
import { type Action, can, refusal, type ResourceOf } from '../src/chat/policy.js';
import {
  createRoom,
  directRoomKey,
  getRoom,
  getRoomByName,
  inviteToRoom,
  joinRoom,
  leaveRoom,
  listMembers,
  listMyRooms,
  listPublicRooms,
  openDirectRoom,
  unreadCount,
  viewerMemberships,
} from '../src/chat/rooms.js';
import { parseBody, parseClientMessageId, parsePageSize, parseRoomName, parseTopic } from '../src/chat/validation.js';
import { AppError, type ErrorCode } from '../src/errors.js';
import type { PrismaClient, Room, RoomKind, User } from '../src/generated/prisma/client.js';
import { type Database, openDatabase } from '../src/infra/db.js';
import { createDataDir, createPostgresDatabase } from './support/databases.js';
import { hasPostgres } from './support/env.js';

const SECRET = 'chat-domain-test-cursor-secret';
const KINDS: RoomKind[] = ['PUBLIC', 'PRIVATE', 'DIRECT'];

/** The error a promise (or function) fails with; fails the test when it succeeds. */
async function failure(work: Promise<unknown> | (() => unknown)): Promise<AppError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected an error, but it succeeded');
}

async function expectError(work: Promise<unknown> | (() => unknown), code: ErrorCode, field?: string) {
  const error = await failure(work);
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  if (field) expect(error.extensions.field).toBe(field);
  return error;
}

// ——— The policy, as a matrix, without a database ——————————————————————————————————————————————

describe('policy', () => {
  type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN';
  const [OK, U, F] = ['ok', 'UNAUTHENTICATED', 'FORBIDDEN'] as const;
  const roles = ['guest', 'outsider', 'invited', 'member'] as const;
  type Role = (typeof roles)[number];
  /** Outcome per kind, per role in the order guest, outsider (no invitation), invited outsider, member. */
  const roomRules: Record<string, Record<RoomKind, [Outcome, Outcome, Outcome, Outcome]>> = {
    'room.read': { PUBLIC: [OK, OK, OK, OK], PRIVATE: [F, F, F, OK], DIRECT: [F, F, F, OK] },
    'room.join': { PUBLIC: [U, OK, OK, OK], PRIVATE: [U, F, OK, OK], DIRECT: [U, F, F, OK] },
    'room.leave': { PUBLIC: [U, OK, OK, OK], PRIVATE: [U, F, F, OK], DIRECT: [U, F, F, F] },
    'room.invite': { PUBLIC: [U, F, F, F], PRIVATE: [U, F, F, OK], DIRECT: [U, F, F, F] },
    'room.send': { PUBLIC: [U, F, F, OK], PRIVATE: [U, F, F, OK], DIRECT: [U, F, F, OK] },
    'room.markRead': { PUBLIC: [U, F, F, OK], PRIVATE: [U, F, F, OK], DIRECT: [U, F, F, OK] },
    'room.react': { PUBLIC: [U, F, F, OK], PRIVATE: [U, F, F, OK], DIRECT: [U, F, F, OK] },
    // A plain member pins only in a DIRECT room; the room's OWNERs pin (below).
    'room.pin': { PUBLIC: [U, F, F, F], PRIVATE: [U, F, F, F], DIRECT: [U, F, F, OK] },
  };
  const viewerOf = (role: Role | 'other' | 'author') => (role === 'guest' ? null : { userId: `${role}-id` });
  const cases = Object.entries(roomRules).flatMap(([action, byKind]) =>
    KINDS.flatMap((kind) => roles.map((role, i) => ({ action, kind, role, expected: byKind[kind][i]! }))),
  );

  it.each(cases)('$action on a $kind room by $role: $expected', ({ action, kind, role, expected }) => {
    const resource = { kind, isMember: role === 'member', isInvited: role === 'invited' };
    const error = refusal(viewerOf(role), action as Action, resource as ResourceOf<Action>);
    expect(error?.code ?? OK).toBe(expected);
    expect(can(viewerOf(role), action as Action, resource as ResourceOf<Action>)).toBe(expected === OK);
  });

  it.each(KINDS)('room.pin on a %s room by an OWNER member', (kind) => {
    expect(refusal({ userId: 'owner-id' }, 'room.pin', { kind, isMember: true, role: 'OWNER' })).toBeNull();
    expect(refusal({ userId: 'member-id' }, 'room.pin', { kind, isMember: true, role: 'MEMBER' })?.code).toBe(
      kind === 'DIRECT' ? undefined : F,
    );
  });

  it.each([
    [null, { isMember: false, role: null }, U],
    [{ userId: 'outsider-id' }, { isMember: false, role: null }, F],
    [{ userId: 'member-id' }, { isMember: true, role: 'MEMBER' }, F],
    [{ userId: 'owner-id' }, { isMember: true, role: 'OWNER' }, OK],
  ] as const)('room.manageWebhooks by %j on %j: %s', (viewer, standing, expected) => {
    for (const kind of KINDS) {
      expect(refusal(viewer, 'room.manageWebhooks', { kind, ...standing })?.code ?? OK).toBe(expected);
    }
  });

  it.each([
    ['message.edit', 'guest', U],
    ['message.edit', 'other', F],
    ['message.edit', 'author', OK],
    ['message.delete', 'guest', U],
    ['message.delete', 'other', F],
    ['message.delete', 'author', OK],
  ] as const)('%s by %s: %s', (action, role, expected) => {
    const error = refusal(viewerOf(role), action, { authorId: 'author-id' });
    expect(error?.code ?? OK).toBe(expected);
  });
});

// ——— Input rules and cursors, without a database —————————————————————————————————————————————

describe('validation', () => {
  it('normalises room names and refuses bad ones', async () => {
    expect(parseRoomName('  Café   Talk ')).toEqual({ name: 'Café Talk', nameKey: 'café talk' });
    expect(parseRoomName('x'.repeat(64)).name).toHaveLength(64);
    for (const bad of ['', '   ', 'x'.repeat(65), 'a:b', 'direct:a:b', '@team', 'a/b', '---', 'a\u0000b']) {
      await expectError(() => parseRoomName(bad), 'BAD_USER_INPUT', 'name');
    }
  });

  it('trims bodies and counts characters, not UTF-16 units', async () => {
    expect(parseBody('  hi\n there \t')).toBe('hi\n there');
    expect(parseBody('😀'.repeat(4000))).toHaveLength(8000);
    await expectError(() => parseBody(''), 'BAD_USER_INPUT', 'body');
    await expectError(() => parseBody(' \n\t '), 'BAD_USER_INPUT', 'body');
    await expectError(() => parseBody('x'.repeat(4001)), 'BAD_USER_INPUT', 'body');
    await expectError(() => parseBody('a\u0000b'), 'BAD_USER_INPUT', 'body');
  });

  it('checks topics, clientMessageIds and page sizes', async () => {
    expect(parseTopic('  ')).toBeNull();
    expect(parseTopic('x'.repeat(500))).toHaveLength(500);
    await expectError(() => parseTopic('x'.repeat(501)), 'BAD_USER_INPUT', 'topic');
    expect(parseClientMessageId(undefined)).toBeNull();
    expect(parseClientMessageId('x'.repeat(100))).toHaveLength(100);
    for (const bad of ['', 'x'.repeat(101), 'a b', 'é']) {
      await expectError(() => parseClientMessageId(bad), 'BAD_USER_INPUT', 'clientMessageId');
    }
    expect(parsePageSize({})).toEqual({ direction: 'forward', size: 50 });
    expect(parsePageSize({}, 'backward')).toEqual({ direction: 'backward', size: 50 });
    expect(parsePageSize({ last: 100 })).toEqual({ direction: 'backward', size: 100 });
    await expectError(() => parsePageSize({ first: 0 }), 'BAD_USER_INPUT', 'first');
    await expectError(() => parsePageSize({ first: 101 }), 'BAD_USER_INPUT', 'first');
    await expectError(() => parsePageSize({ last: 0 }), 'BAD_USER_INPUT', 'last');
    await expectError(() => parsePageSize({ first: 1.5 }), 'BAD_USER_INPUT', 'first');
    await expectError(() => parsePageSize({ first: 10, last: 10 }), 'BAD_USER_INPUT', 'last');
  });
});

describe('cursors', () => {
  const room = randomUUID();

  it('round-trip and are opaque', () => {
    const cursor = encodeCursor(SECRET, room, 42);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(room);
    expect(decodeCursor(SECRET, cursor, room, 'after')).toBe(42);
    expect(decodeKeyCursor(SECRET, encodeKeyCursor(SECRET, 'x', ['a', 1]), 'x', 'after', ['string', 'number'])).toEqual(
      ['a', 1],
    );
  });

  it('of a page are made at once, short, and cursors of the earlier signed format still work', () => {
    const seqs = [1, 2, 900_000, 2 ** 40];
    const page = encodeCursors(SECRET, room, seqs);
    expect(page).toEqual(seqs.map((seq) => encodeCursor(SECRET, room, seq)));
    expect(new Set(page).size).toBe(seqs.length);
    for (const [i, cursor] of page.entries()) {
      expect(cursor).toHaveLength(23);
      expect(decodeCursor(SECRET, cursor, room, 'before')).toBe(seqs[i]);
    }
    expect(decodeCursor(SECRET, encodeKeyCursor(SECRET, 'messages', [room, 42]), room, 'after')).toBe(42);
  });

  it('of a connection are made on first read, for the whole page in one call', () => {
    const calls: number[][] = [];
    const all = (nodes: readonly number[]) => (calls.push([...nodes]), nodes.map((n) => `c${n}`));
    const unread = toConnection([1, 2, 3], { all }, { hasNextPage: false, hasPreviousPage: true });
    expect(unread.edges.map((e) => e.node)).toEqual([1, 2, 3]);
    expect(unread.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(calls).toEqual([]);
    expect(unread.pageInfo.endCursor).toBe('c3');
    expect(unread.edges.map((e) => e.cursor)).toEqual(['c1', 'c2', 'c3']);
    expect(unread.pageInfo.startCursor).toBe('c1');
    expect(calls).toEqual([[1, 2, 3]]);
    const one = toConnection(['a', 'b'], (node) => `one ${node}`, { hasNextPage: true, hasPreviousPage: false });
    expect(one.edges[1]!.cursor).toBe('one b');
    const empty = toConnection([], { all }, { hasNextPage: false, hasPreviousPage: false });
    expect(empty.pageInfo).toMatchObject({ startCursor: null, endCursor: null });
    // The getters live on a prototype, never on each edge: a getter defined in an object literal is
    // kept by V8 in old space and holds the whole page through young GCs (see toConnection).
    expect(Object.getOwnPropertyDescriptor(unread.edges[0], 'cursor')).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(unread.pageInfo, 'endCursor')).toBeUndefined();
  });

  it('refuse forged, malformed, foreign and other-room cursors', async () => {
    const cursor = encodeCursor(SECRET, room, 42);
    const flipped = cursor.slice(0, 20) + (cursor[20] === 'A' ? 'B' : 'A') + cursor.slice(21);
    const forged = Buffer.from(JSON.stringify(['messages', room, 41])).toString('base64url');
    for (const bad of [flipped, forged, '', 'not a cursor!', 'AAAA', encodeCursor('another secret', room, 42)]) {
      const error = await expectError(() => decodeCursor(SECRET, bad, room, 'after'), 'BAD_USER_INPUT', 'after');
      expect(error.message).toBe('after is not a valid cursor');
    }
    await expectError(
      () => decodeCursor(SECRET, encodeKeyCursor(SECRET, 'publicRooms', ['general']), room, 'before'),
      'BAD_USER_INPUT',
      'before',
    );
    for (const fromOtherRoom of [cursor, encodeKeyCursor(SECRET, 'messages', [room, 42])]) {
      const other = await expectError(
        () => decodeCursor(SECRET, fromOtherRoom, randomUUID(), 'before'),
        'BAD_USER_INPUT',
      );
      expect(other.message).toBe('before is a cursor of another room');
    }
  });
});

// ——— The domain on real databases ——————————————————————————————————————————————————————————————

const databases: Database['kind'][] = hasPostgres ? ['embedded', 'postgres'] : ['embedded'];

describe.each(databases)('chat on the %s database', (kind) => {
  let db: Database;
  /** A second client on the same database: another process, as far as PostgreSQL can tell. */
  let db2: Database;
  let prisma: PrismaClient;
  let prisma2: PrismaClient;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (kind === 'postgres') {
      const pg = await createPostgresDatabase();
      cleanups.push(pg.drop);
      db = await openDatabase({ databaseUrl: pg.url, databasePoolSize: 10, dataDir: '' }, { countQueries: true });
      db2 = await openDatabase({ databaseUrl: pg.url, databasePoolSize: 10, dataDir: '' });
      cleanups.push(() => db2.close());
    } else {
      const data = await createDataDir();
      cleanups.push(data.remove);
      db = await openDatabase(
        { databaseUrl: undefined, dataDir: data.dir, databasePoolSize: 1 },
        { countQueries: true },
      );
      db2 = db; // PGlite is one connection in one process
    }
    cleanups.push(() => db.close());
    await db.migrate();
    prisma = db.prisma;
    prisma2 = db2.prisma;
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  let counter = 0;
  const unique = (prefix: string) => `${prefix}${++counter}`;

  function user(prefix = 'user'): Promise<User> {
    const username = unique(`${prefix}_`);
    return prisma.user.create({
      data: { id: randomUUID(), username, usernameKey: username.toLowerCase(), passwordHash: 'not-a-hash' },
    });
  }

  async function room(owner: User, roomKind: 'PUBLIC' | 'PRIVATE' = 'PUBLIC', ...members: User[]): Promise<Room> {
    const created = await createRoom(prisma, owner.id, { name: unique('Room '), kind: roomKind });
    for (const member of members) {
      if (roomKind === 'PRIVATE') await inviteToRoom(prisma, owner.id, created.id, member.username);
      await joinRoom(prisma, member.id, { roomId: created.id });
    }
    return prisma.room.findUniqueOrThrow({ where: { id: created.id } });
  }

  const freshRoom = (id: string) => prisma.room.findUniqueOrThrow({ where: { id } });
  const memberCountIsTrue = async (id: string) => {
    const [r, count] = await Promise.all([freshRoom(id), prisma.membership.count({ where: { roomId: id } })]);
    expect(r.memberCount).toBe(count);
    return count;
  };

  /** Seeds `n` messages fast, as if sent one by one. */
  async function seedMessages(roomId: string, authorId: string, n: number, body = (i: number) => `message ${i}`) {
    const start = Date.now() - n * 1000;
    await prisma.message.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        id: randomUUID(),
        roomId,
        seq: i + 1,
        authorId,
        body: body(i + 1),
        createdAt: new Date(start + i * 1000),
      })),
    });
    await prisma.room.update({ where: { id: roomId }, data: { lastSeq: n } });
  }

  // ——— The authorization matrix, through the real operations ————————————————————————————————

  describe('authorization matrix', () => {
    type Role = 'guest' | 'outsider' | 'member' | 'author';
    type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'CONFLICT';
    const [OK, U, F] = ['ok', 'UNAUTHENTICATED', 'FORBIDDEN'] as const;
    const ROLES: Role[] = ['guest', 'outsider', 'member', 'author'];

    interface Fixture {
      room: Room;
      messageId: string;
      invitee: User;
    }
    type Operation = (viewerId: string | null, f: Fixture) => Promise<unknown>;
    const reading: Record<RoomKind, Outcome[]> = {
      PUBLIC: [OK, OK, OK, OK],
      PRIVATE: [F, F, OK, OK],
      DIRECT: [F, F, OK, OK],
    };
    const membersOnly: Record<RoomKind, Outcome[]> = {
      PUBLIC: [U, F, OK, OK],
      PRIVATE: [U, F, OK, OK],
      DIRECT: [U, F, OK, OK],
    };
    const authorOnly: Record<RoomKind, Outcome[]> = {
      PUBLIC: [U, F, F, OK],
      PRIVATE: [U, F, F, OK],
      DIRECT: [U, F, F, OK],
    };

    /** Outcome per room kind, per role in the order guest, outsider, member, author. */
    const operations: [string, Operation, Record<RoomKind, Outcome[]>][] = [
      ['room', (v, f) => getRoom(prisma, v, f.room.id), reading],
      ['messages', (v, f) => listMessages(db, SECRET, v, f.room.id, { first: 10 }), reading],
      ['messagesSince', (v, f) => messagesSince(db, v, f.room.id, 0), reading],
      ['members', (v, f) => listMembers(prisma, SECRET, v, f.room.id, {}), reading],
      [
        'searchMessages in the room',
        (v, f) => searchMessages(prisma, SECRET, v, 'hello', { roomId: f.room.id }),
        reading,
      ],
      ['sendMessage', (v, f) => sendMessage(db, v, { roomId: f.room.id, body: 'hi' }), membersOnly],
      ['markRead', (v, f) => markRead(db, v, f.room.id, 1), membersOnly],
      [
        'joinRoom',
        (v, f) => joinRoom(prisma, v, { roomId: f.room.id }),
        { PUBLIC: [U, OK, OK, OK], PRIVATE: [U, F, OK, OK], DIRECT: [U, F, OK, OK] },
      ],
      [
        'leaveRoom',
        (v, f) => leaveRoom(prisma, v, f.room.id),
        // The author created the room: its last owner, who may not leave while the member remains.
        { PUBLIC: [U, OK, OK, 'CONFLICT'], PRIVATE: [U, F, OK, 'CONFLICT'], DIRECT: [U, F, F, F] },
      ],
      [
        'inviteToRoom',
        (v, f) => inviteToRoom(prisma, v, f.room.id, f.invitee.username),
        { PUBLIC: [U, F, F, F], PRIVATE: [U, F, OK, OK], DIRECT: [U, F, F, F] },
      ],
      ['editMessage', (v, f) => editMessage(db, v, f.messageId, 'edited'), authorOnly],
      ['deleteMessage', (v, f) => deleteMessage(db, v, f.messageId), authorOnly],
    ];

    async function fixture(roomKind: RoomKind) {
      const [author, member, outsider, invitee] = await Promise.all([user('a'), user('m'), user('o'), user('i')]);
      const r =
        roomKind === 'DIRECT'
          ? (await openDirectRoom(prisma, author.id, member.username)).room
          : await room(author, roomKind, member);
      const { message } = await sendMessage(db, author.id, { roomId: r.id, body: 'hello world' });
      const ids: Record<Role, string | null> = {
        guest: null,
        outsider: outsider.id,
        member: member.id,
        author: author.id,
      };
      return { room: r, messageId: message.id, invitee, ids };
    }

    /** What a refused operation must leave untouched. */
    const state = async (f: Fixture) => ({
      room: await freshRoom(f.room.id),
      message: await prisma.message.findUniqueOrThrow({ where: { id: f.messageId } }),
      memberships: await prisma.membership.findMany({ where: { roomId: f.room.id }, orderBy: { userId: 'asc' } }),
      invitations: await prisma.invitation.count({ where: { roomId: f.room.id } }),
    });

    const cases = operations.flatMap(([name, operation, outcomes]) =>
      KINDS.map((roomKind) => ({ name, operation, roomKind, outcomes: outcomes[roomKind] })),
    );

    it.each(cases)('$name in a $roomKind room', async ({ operation, roomKind, outcomes }) => {
      for (const [i, role] of ROLES.entries()) {
        const f = await fixture(roomKind);
        const expected = outcomes[i]!;
        const before = await state(f);
        const outcome = await operation(f.ids[role], f).then(
          () => OK,
          (error: unknown) => (error instanceof AppError ? error.code : String(error)),
        );
        expect({ role, outcome }).toEqual({ role, outcome: expected });
        if (expected !== OK) expect(await state(f)).toEqual(before);
        await memberCountIsTrue(f.room.id);
      }
    });

    it('lets an invited user join a PRIVATE room, using the invitation up', async () => {
      const [owner, guest] = await Promise.all([user(), user()]);
      const r = await room(owner, 'PRIVATE');
      await expectError(joinRoom(prisma, guest.id, { roomId: r.id }), 'FORBIDDEN');
      const invited = await inviteToRoom(prisma, owner.id, r.id, guest.username.toUpperCase());
      expect(invited).toMatchObject({ invited: true, invitee: { id: guest.id } });
      expect((await inviteToRoom(prisma, owner.id, r.id, guest.username)).invited).toBe(false);
      const joined = await joinRoom(prisma, guest.id, { roomId: r.id });
      expect(joined).toMatchObject({ joined: true, room: { memberCount: 2 } });
      expect(await prisma.invitation.count({ where: { roomId: r.id } })).toBe(0);
      await leaveRoom(prisma, guest.id, r.id);
      await expectError(joinRoom(prisma, guest.id, { roomId: r.id }), 'FORBIDDEN');
    });
  });

  // ——— Rooms ————————————————————————————————————————————————————————————————————————————————

  describe('rooms', () => {
    it('createRoom makes the creator the owner, and takes each name once in any case', async () => {
      const owner = await user();
      const name = unique('Lounge ');
      const created = await createRoom(prisma, owner.id, { name: `  ${name}  `, kind: 'PRIVATE', topic: ' chat ' });
      expect(created).toMatchObject({
        name,
        nameKey: name.toLowerCase(),
        kind: 'PRIVATE',
        topic: 'chat',
        memberCount: 1,
      });
      expect(await prisma.membership.findMany({ where: { roomId: created.id } })).toMatchObject([
        { userId: owner.id, role: 'OWNER' },
      ]);
      for (const taken of [name, name.toUpperCase(), name.toLowerCase(), ` ${name.replace(' ', '   ')} `]) {
        const error = await expectError(
          createRoom(prisma, owner.id, { name: taken, kind: 'PUBLIC' }),
          'CONFLICT',
          'name',
        );
        expect(error.message).toBe('Room name is taken');
      }
      expect(await getRoomByName(prisma, owner.id, name.toUpperCase())).toMatchObject({ id: created.id });
    });

    it('createRoom refuses bad input and guests, storing nothing', async () => {
      const owner = await user();
      const rooms = await prisma.room.count();
      await expectError(createRoom(prisma, null, { name: 'Guests room', kind: 'PUBLIC' }), 'UNAUTHENTICATED');
      for (const name of ['', '   ', 'x'.repeat(65), 'a:b']) {
        await expectError(createRoom(prisma, owner.id, { name, kind: 'PUBLIC' }), 'BAD_USER_INPUT', 'name');
      }
      await expectError(createRoom(prisma, owner.id, { name: 'Direct', kind: 'DIRECT' }), 'BAD_USER_INPUT', 'kind');
      await expectError(
        createRoom(prisma, owner.id, { name: 'Topic', kind: 'PUBLIC', topic: 'x'.repeat(501) }),
        'BAD_USER_INPUT',
        'topic',
      );
      expect(await prisma.room.count()).toBe(rooms);
    });

    it('createRoom racing for one name: one room, the others CONFLICT', async () => {
      const owners = await Promise.all(Array.from({ length: 8 }, () => user()));
      const name = unique('Race ');
      const results = await Promise.allSettled(
        owners.map((owner, i) =>
          createRoom(i % 2 ? prisma2 : prisma, owner.id, {
            name: i % 2 ? name.toUpperCase() : name,
            kind: 'PUBLIC',
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
      }
      expect(await prisma.room.count({ where: { nameKey: name.toLowerCase() } })).toBe(1);
    });

    it('joinRoom by id or name (any case), idempotent for members', async () => {
      const [owner, joiner] = await Promise.all([user(), user()]);
      const r = await room(owner);
      expect(await joinRoom(prisma, joiner.id, { name: r.name.toUpperCase() })).toMatchObject({
        joined: true,
        room: { memberCount: 2 },
      });
      expect(await joinRoom(prisma, joiner.id, { roomId: r.id })).toMatchObject({
        joined: false,
        room: { memberCount: 2 },
      });
      await memberCountIsTrue(r.id);
    });

    it('joinRoom refuses DIRECT rooms by name, unknown and malformed rooms', async () => {
      const [a, b, c] = await Promise.all([user(), user(), user()]);
      const { room: direct } = await openDirectRoom(prisma, a.id, b.username);
      await expectError(joinRoom(prisma, c.id, { name: direct.name }), 'NOT_FOUND');
      await expectError(joinRoom(prisma, c.id, { name: direct.nameKey }), 'BAD_USER_INPUT', 'name');
      await expectError(joinRoom(prisma, c.id, { roomId: direct.id }), 'FORBIDDEN');
      await expectError(getRoomByName(prisma, a.id, direct.name), 'NOT_FOUND');
      await expectError(joinRoom(prisma, c.id, { roomId: randomUUID() }), 'NOT_FOUND');
      await expectError(joinRoom(prisma, c.id, { roomId: 'not-a-uuid' }), 'BAD_USER_INPUT', 'roomId');
      await expectError(joinRoom(prisma, c.id, {}), 'BAD_USER_INPUT', 'roomId');
      await expectError(joinRoom(prisma, c.id, { roomId: direct.id, name: 'x' }), 'BAD_USER_INPUT', 'roomId');
      await expectError(getRoom(prisma, c.id, 'nope'), 'BAD_USER_INPUT', 'roomId');
      expect((await freshRoom(direct.id)).memberCount).toBe(2);
    });

    it('keeps memberCount true under concurrent joins and leaves', async () => {
      const owner = await user();
      const r = await room(owner);
      const joiners = await Promise.all(Array.from({ length: 20 }, () => user()));
      const joins = await Promise.all(
        joiners.flatMap((j, i) => [
          joinRoom(i % 2 ? prisma2 : prisma, j.id, { roomId: r.id }),
          joinRoom(i % 2 ? prisma : prisma2, j.id, { roomId: r.id }),
        ]),
      );
      expect(joins.filter((j) => j.joined)).toHaveLength(20);
      expect(await memberCountIsTrue(r.id)).toBe(21);
      await Promise.all(joiners.slice(0, 10).map((j, i) => leaveRoom(i % 2 ? prisma2 : prisma, j.id, r.id)));
      expect(await memberCountIsTrue(r.id)).toBe(11);
    });

    it('leaveRoom: members leave and cannot send any more; leaving twice changes nothing', async () => {
      const [owner, member] = await Promise.all([user(), user()]);
      const r = await room(owner, 'PUBLIC', member);
      expect(await leaveRoom(prisma, member.id, r.id)).toMatchObject({ left: true, room: { memberCount: 1 } });
      expect(await leaveRoom(prisma, member.id, r.id)).toMatchObject({ left: false, room: { memberCount: 1 } });
      const lastSeq = (await freshRoom(r.id)).lastSeq;
      await expectError(sendMessage(db, member.id, { roomId: r.id, body: 'still here?' }), 'FORBIDDEN');
      expect((await freshRoom(r.id)).lastSeq).toBe(lastSeq);
      expect(await leaveRoom(prisma, owner.id, r.id)).toMatchObject({ left: true, room: { memberCount: 0 } });
    });

    it('inviteToRoom refuses members (CONFLICT), unknown users (NOT_FOUND) and bad usernames', async () => {
      const [owner, member] = await Promise.all([user(), user()]);
      const r = await room(owner, 'PRIVATE', member);
      await expectError(inviteToRoom(prisma, owner.id, r.id, member.username), 'CONFLICT', 'username');
      await expectError(inviteToRoom(prisma, owner.id, r.id, owner.username), 'CONFLICT', 'username');
      await expectError(inviteToRoom(prisma, owner.id, r.id, 'nobody_at_all'), 'NOT_FOUND');
      await expectError(inviteToRoom(prisma, owner.id, r.id, ' x '), 'BAD_USER_INPUT', 'username');
      expect(await prisma.invitation.count({ where: { roomId: r.id } })).toBe(0);
    });

    it('openDirectRoom gives a pair one room whoever opens it', async () => {
      const [a, b] = await Promise.all([user(), user()]);
      const first = await openDirectRoom(prisma, a.id, b.username);
      expect(first).toMatchObject({ created: true, room: { kind: 'DIRECT', memberCount: 2 } });
      expect(first.room.nameKey).toBe(directRoomKey(a.id, b.id));
      const again = await openDirectRoom(prisma, b.id, a.username.toUpperCase());
      expect(again).toMatchObject({ created: false, room: { id: first.room.id } });
      await expectError(openDirectRoom(prisma, a.id, a.username), 'BAD_USER_INPUT', 'username');
      await expectError(openDirectRoom(prisma, a.id, 'nobody_at_all'), 'NOT_FOUND');
      await expectError(openDirectRoom(prisma, null, b.username), 'UNAUTHENTICATED');
    });

    it('openDirectRoom from both sides at the same moment: one room per pair', async () => {
      const pairs = await Promise.all(Array.from({ length: 10 }, async () => [await user(), await user()] as const));
      const opened = await Promise.all(
        pairs.flatMap(([a, b]) => [
          openDirectRoom(prisma, a.id, b.username),
          openDirectRoom(prisma2, b.id, a.username),
          openDirectRoom(prisma2, a.id, b.username),
        ]),
      );
      for (const [i, [a, b]] of pairs.entries()) {
        const ids = new Set(opened.slice(i * 3, i * 3 + 3).map((o) => o.room.id));
        expect(ids.size).toBe(1);
        expect(opened.slice(i * 3, i * 3 + 3).filter((o) => o.created)).toHaveLength(1);
        const rooms = await prisma.room.findMany({ where: { nameKey: directRoomKey(a.id, b.id) } });
        expect(rooms).toHaveLength(1);
        expect(await memberCountIsTrue(rooms[0]!.id)).toBe(2);
      }
    });

    it('publicRooms pages by name and searches names literally, case-insensitively', async () => {
      const owner = await user();
      const tag = unique('zz');
      const names = [`${tag} alpha`, `${tag} Beta`, `${tag} gam_ma`, `${tag} gamXma`, `${tag} delta`];
      for (const name of names) await createRoom(prisma, owner.id, { name, kind: 'PUBLIC' });
      await createRoom(prisma, owner.id, { name: `${tag} secret`, kind: 'PRIVATE' });
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page++) {
        const result = await listPublicRooms(prisma, SECRET, { first: 2, after, search: tag.toUpperCase() });
        seen.push(...result.edges.map((e) => e.node.name));
        expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!result.pageInfo.hasNextPage) break;
        after = result.pageInfo.endCursor;
      }
      expect(seen).toEqual([...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())));
      const underscore = await listPublicRooms(prisma, SECRET, { search: `${tag} gam_` });
      expect(underscore.edges.map((e) => e.node.name)).toEqual([`${tag} gam_ma`]);
      expect((await listPublicRooms(prisma, SECRET, { search: '%' })).edges).toEqual([]);
      await expectError(listPublicRooms(prisma, SECRET, { first: 0 }), 'BAD_USER_INPUT', 'first');
      await expectError(listPublicRooms(prisma, SECRET, { after: 'forged' }), 'BAD_USER_INPUT', 'after');
      await expectError(
        listPublicRooms(prisma, SECRET, { after: encodeCursor(SECRET, randomUUID(), 1) }),
        'BAD_USER_INPUT',
        'after',
      );
    });

    it('myRooms lists the viewer’s rooms, latest activity first', async () => {
      const [me, friend] = await Promise.all([user(), user()]);
      const r1 = await room(me);
      const r2 = await room(friend, 'PRIVATE', me);
      const { room: r3 } = await openDirectRoom(prisma, friend.id, me.username);
      await room(friend); // not mine
      const order = async () => {
        const ids: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page = await listMyRooms(prisma, SECRET, me.id, { first: 1, after });
          ids.push(...page.edges.map((e) => e.node.id));
          if (!page.pageInfo.hasNextPage) return ids;
          after = page.pageInfo.endCursor;
        }
      };
      // Rooms made within one millisecond would tie; spread their activity out.
      const ago = (s: number) => new Date(Date.now() - s * 1000);
      await prisma.room.update({ where: { id: r2.id }, data: { lastActivityAt: ago(3) } });
      await prisma.room.update({ where: { id: r3.id }, data: { lastActivityAt: ago(2) } });
      await prisma.room.update({ where: { id: r1.id }, data: { lastActivityAt: ago(1) } });
      expect(await order()).toEqual([r1.id, r3.id, r2.id]);
      await sendMessage(db, me.id, { roomId: r3.id, body: 'bump' });
      expect(await order()).toEqual([r3.id, r1.id, r2.id]);
      await sendMessage(db, friend.id, { roomId: r2.id, body: 'news' });
      expect(await order()).toEqual([r2.id, r3.id, r1.id]);
      const tie = new Date();
      await prisma.room.updateMany({ where: { id: { in: [r1.id, r2.id, r3.id] } }, data: { lastActivityAt: tie } });
      expect(await order()).toEqual([r1.id, r2.id, r3.id].sort().reverse());
      await expectError(listMyRooms(prisma, SECRET, null, {}), 'UNAUTHENTICATED');
    });

    it('members pages by username; unread counts follow the read position', async () => {
      const [owner, ...others] = await Promise.all([user('mem'), user('mem'), user('mem'), user('mem')]);
      const r = await room(owner, 'PRIVATE', ...others);
      const usernames: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await listMembers(prisma, SECRET, owner.id, r.id, { first: 3, after });
        usernames.push(...page.edges.map((e) => e.node.username));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(usernames).toEqual([owner, ...others].map((u) => u.username).sort());
      const other = await room(owner);
      await expectError(listMembers(prisma, SECRET, owner.id, other.id, { after: after! }), 'BAD_USER_INPUT', 'after');

      await sendMessage(db, owner.id, { roomId: r.id, body: 'one' });
      await sendMessage(db, owner.id, { roomId: r.id, body: 'two' });
      await sendMessage(db, others[0]!.id, { roomId: r.id, body: 'three' });
      const memberships = await viewerMemberships(prisma, owner.id, [r.id, other.id]);
      const fresh = await freshRoom(r.id);
      expect(unreadCount(fresh, memberships.get(r.id))).toBe(1); // own messages are read
      expect(unreadCount(fresh, null)).toBe(0);
      const unread = (await viewerMemberships(prisma, others[1]!.id, [r.id])).get(r.id);
      expect(unreadCount(fresh, unread)).toBe(3);
    });
  });

  // ——— Messages ——————————————————————————————————————————————————————————————————————————————

  describe('messages', () => {
    it('sendMessage stores the trimmed body under the next seq and moves the sender’s read position', async () => {
      const owner = await user();
      const r = await room(owner);
      const { message, created } = await sendMessage(db, owner.id, { roomId: r.id, body: '  hello  ' });
      expect(created).toBe(true);
      // The stored row, with its author's public columns, its room as the send left it and its
      // attachments (none): what a live event carries, and nothing more.
      const author = { select: { id: true, username: true, displayName: true, avatarKey: true, createdAt: true } };
      expect(message).toEqual(
        await prisma.message.findUniqueOrThrow({
          where: { id: message.id },
          include: { author, room: true, attachments: true },
        }),
      );
      expect(message).toMatchObject({ seq: 1, body: 'hello', roomId: r.id, authorId: owner.id, clientMessageId: null });
      const after = await freshRoom(r.id);
      expect(after.lastSeq).toBe(1);
      expect(after.lastActivityAt.getTime()).toBe(message.createdAt.getTime());
      const membership = await prisma.membership.findUniqueOrThrow({
        where: { roomId_userId: { roomId: r.id, userId: owner.id } },
      });
      expect(membership.lastReadSeq).toBe(1);
    });

    it('sendMessage refuses bad bodies, ids and rooms, storing nothing', async () => {
      const owner = await user();
      const r = await room(owner);
      const send = (body: string, extra: Record<string, string> = {}) =>
        sendMessage(db, owner.id, { roomId: r.id, body, ...extra });
      await expectError(send(''), 'BAD_USER_INPUT', 'body');
      await expectError(send('   \n '), 'BAD_USER_INPUT', 'body');
      await expectError(send('x'.repeat(4001)), 'BAD_USER_INPUT', 'body');
      await expectError(send('ok', { clientMessageId: '' }), 'BAD_USER_INPUT', 'clientMessageId');
      await expectError(send('ok', { clientMessageId: 'x'.repeat(101) }), 'BAD_USER_INPUT', 'clientMessageId');
      await expectError(sendMessage(db, owner.id, { roomId: randomUUID(), body: 'ok' }), 'NOT_FOUND');
      await expectError(sendMessage(db, owner.id, { roomId: 'room-1', body: 'ok' }), 'BAD_USER_INPUT', 'roomId');
      await expectError(sendMessage(db, null, { roomId: r.id, body: 'ok' }), 'UNAUTHENTICATED');
      expect((await freshRoom(r.id)).lastSeq).toBe(0);
      expect((await send('x'.repeat(4000))).message.seq).toBe(1);
    });

    it('200 concurrent sends through two clients get seq 1…200, no gap, no repeat', async () => {
      const authors = await Promise.all(Array.from({ length: 4 }, () => user()));
      const r = await room(authors[0]!, 'PUBLIC', ...authors.slice(1));
      const sent = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          sendMessage(i % 2 ? db2 : db, authors[i % 4]!.id, { roomId: r.id, body: `message ${i}` }),
        ),
      );
      expect(sent.every((s) => s.created)).toBe(true);
      expect(sent.map((s) => s.message.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      expect((await freshRoom(r.id)).lastSeq).toBe(200);
      const stored = await prisma.message.findMany({ where: { roomId: r.id }, orderBy: { seq: 'asc' } });
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      // createdAt is taken once the room's row is locked, so it never runs backwards against seq.
      for (let i = 1; i < stored.length; i++) {
        expect(stored[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(stored[i - 1]!.createdAt.getTime());
      }
    });

    it('retries with one clientMessageId store one message and leave no gap', async () => {
      const owner = await user();
      const r = await room(owner);
      await sendMessage(db, owner.id, { roomId: r.id, body: 'before' });
      const clientMessageId = randomUUID();
      const attempts = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          sendMessage(i % 2 ? db2 : db, owner.id, { roomId: r.id, body: 'once', clientMessageId }),
        ),
      );
      expect(attempts.filter((a) => a.created)).toHaveLength(1);
      expect(new Set(attempts.map((a) => a.message.id)).size).toBe(1);
      expect(attempts[0]!.message).toMatchObject({ seq: 2, clientMessageId });
      const later = await sendMessage(db, owner.id, { roomId: r.id, body: 'retry', clientMessageId });
      expect(later).toMatchObject({ created: false, message: { id: attempts[0]!.message.id, body: 'once' } });
      expect((await sendMessage(db, owner.id, { roomId: r.id, body: 'after' })).message.seq).toBe(3);
      expect(await prisma.message.count({ where: { roomId: r.id } })).toBe(3);
      // Another author may use the same key; the same author may not use it in another room.
      const [friend] = await Promise.all([user()]);
      await joinRoom(prisma, friend.id, { roomId: r.id });
      expect((await sendMessage(db, friend.id, { roomId: r.id, body: 'mine', clientMessageId })).created).toBe(true);
      const elsewhere = await room(owner);
      await expectError(
        sendMessage(db, owner.id, { roomId: elsewhere.id, body: 'x', clientMessageId }),
        'CONFLICT',
        'clientMessageId',
      );
      expect((await freshRoom(elsewhere.id)).lastSeq).toBe(0);
    });

    it('editMessage and deleteMessage: author only; deleted messages stay deleted', async () => {
      const [author, other] = await Promise.all([user(), user()]);
      const r = await room(author, 'PUBLIC', other);
      const { message } = await sendMessage(db, author.id, { roomId: r.id, body: 'first', clientMessageId: 'c1' });
      await expectError(editMessage(db, other.id, message.id, 'hijacked'), 'FORBIDDEN');
      await expectError(editMessage(db, author.id, message.id, '  '), 'BAD_USER_INPUT', 'body');
      await expectError(editMessage(db, author.id, message.id, 'x'.repeat(4001)), 'BAD_USER_INPUT', 'body');
      await expectError(editMessage(db, author.id, randomUUID(), 'x'), 'NOT_FOUND');
      await expectError(editMessage(db, author.id, 'bad-id', 'x'), 'BAD_USER_INPUT', 'messageId');
      const edited = await editMessage(db, author.id, message.id, ' second ');
      expect(edited).toMatchObject({ changed: true, message: { body: 'second', seq: 1 } });
      expect(edited.message.editedAt).toBeInstanceOf(Date);
      expect((await editMessage(db, author.id, message.id, 'second')).changed).toBe(false);

      await expectError(deleteMessage(db, other.id, message.id), 'FORBIDDEN');
      const deleted = await deleteMessage(db, author.id, message.id);
      expect(deleted).toMatchObject({ changed: true, message: { body: '', seq: 1 } });
      expect(deleted.message.deletedAt).toBeInstanceOf(Date);
      expect(await deleteMessage(db, author.id, message.id)).toMatchObject({
        changed: false,
        message: { deletedAt: deleted.message.deletedAt },
      });
      await expectError(editMessage(db, author.id, message.id, 'back'), 'BAD_USER_INPUT', 'messageId');
      // A retried send still finds the (deleted) original rather than sending again.
      expect(await sendMessage(db, author.id, { roomId: r.id, body: 'first', clientMessageId: 'c1' })).toMatchObject({
        created: false,
        message: { id: message.id, body: '' },
      });
      // The tombstone stays in the history.
      const history = await listMessages(db, SECRET, null, r.id);
      expect(history.edges.map((e) => e.node.body)).toEqual(['']);
    });

    it('markRead moves forward only, clamped to the newest message', async () => {
      const [owner, reader] = await Promise.all([user(), user()]);
      const r = await room(owner, 'PUBLIC', reader);
      for (const body of ['a', 'b', 'c']) await sendMessage(db, owner.id, { roomId: r.id, body });
      const moved = (read: Awaited<ReturnType<typeof markRead>>) => ({ to: read.lastReadSeq, moved: !!read.receipt });
      expect(moved(await markRead(db, reader.id, r.id, 2))).toEqual({ to: 2, moved: true });
      expect(moved(await markRead(db, reader.id, r.id, 1))).toEqual({ to: 2, moved: false });
      expect(moved(await markRead(db, reader.id, r.id, 99))).toEqual({ to: 3, moved: true });
      expect(moved(await markRead(db, reader.id, r.id, 0))).toEqual({ to: 3, moved: false });
      await expectError(markRead(db, reader.id, r.id, -1), 'BAD_USER_INPUT', 'seq');
      await expectError(markRead(db, reader.id, r.id, 1.5), 'BAD_USER_INPUT', 'seq');
      const membership = (await viewerMemberships(prisma, reader.id, [r.id])).get(r.id);
      expect(unreadCount(await freshRoom(r.id), membership)).toBe(0);
    });

    it('markReads asked for at once are written together, each answered as if alone', async () => {
      const owner = await user();
      const readers = await Promise.all(Array.from({ length: 12 }, () => user()));
      const [outsider, other] = await Promise.all([user(), user()]);
      const r = await room(owner, 'PUBLIC', ...readers);
      const elsewhere = await room(other, 'PUBLIC', readers[0]!);
      for (const body of ['a', 'b', 'c']) await sendMessage(db, owner.id, { roomId: r.id, body });
      await sendMessage(db, other.id, { roomId: elsewhere.id, body: 'x' });
      await markRead(db, readers[1]!.id, r.id, 3);

      const before = db.queryCount();
      const refused = expectError(markRead(db, outsider.id, r.id, 3), 'FORBIDDEN'); // not a member
      const settled = await Promise.allSettled([
        ...readers.map((reader, i) => markRead(db, reader.id, r.id, i % 2 ? 3 : 2)), // readers[1] read 3 already
        markRead(db, readers[0]!.id, elsewhere.id, 1), // the same member in another room
        markRead(db, readers[2]!.id, r.id, 3), // the same member again: after the first, as if in turn
      ]);
      // 15 asked: alone, each would be a statement of its own, and the two that move nothing two or
      // three more each.
      await refused;
      expect(db.queryCount() - before).toBeLessThan(12);
      const answers = settled.map((one) => {
        if (one.status === 'rejected') throw one.reason;
        const { room: answered, lastReadSeq, receipt } = one.value;
        return {
          room: answered.id,
          viewer: (answered as { memberships?: { userId: string; lastReadSeq: number }[] }).memberships?.[0],
          lastReadSeq,
          receipt: receipt && { room: receipt.room.id, user: receipt.user.id },
        };
      });
      const moved = (reader: User, roomId: string, seq: number) => ({
        room: roomId,
        viewer: expect.objectContaining({ userId: reader.id, lastReadSeq: seq }),
        lastReadSeq: seq,
        receipt: { room: roomId, user: reader.id },
      });
      expect(answers).toEqual([
        ...readers.map((reader, i) =>
          i === 1
            ? { room: r.id, viewer: undefined, lastReadSeq: 3, receipt: undefined }
            : moved(reader, r.id, i % 2 ? 3 : 2),
        ),
        moved(readers[0]!, elsewhere.id, 1),
        moved(readers[2]!, r.id, 3),
      ]);
      const positions = await prisma.membership.findMany({
        where: { roomId: r.id },
        select: { userId: true, lastReadSeq: true },
      });
      const at = new Map(positions.map((p) => [p.userId, p.lastReadSeq]));
      expect(readers.map((reader) => at.get(reader.id))).toEqual(readers.map((_, i) => (i % 2 || i === 2 ? 3 : 2)));
    });

    it('markReads of the same members through two connections at once all land', async () => {
      const owner = await user();
      const readers = await Promise.all(Array.from({ length: 10 }, () => user()));
      const r = await room(owner, 'PUBLIC', ...readers);
      for (let i = 0; i < 6; i++) await sendMessage(db, owner.id, { roomId: r.id, body: `m${i}` });
      // Each member reads through both at once, in opposite orders, up to different points.
      await Promise.all([
        ...readers.map((reader, i) => markRead(db, reader.id, r.id, 1 + (i % 3))),
        ...readers
          .map((_, i) => readers[readers.length - 1 - i]!)
          .map((reader, i) => markRead(db2, reader.id, r.id, 4 + (i % 3))),
        ...readers.map((reader, i) => markRead(db, reader.id, r.id, 2 + (i % 4))),
      ]);
      const positions = await prisma.membership.findMany({
        where: { roomId: r.id },
        select: { userId: true, lastReadSeq: true },
      });
      const at = new Map(positions.map((p) => [p.userId, p.lastReadSeq]));
      expect(readers.map((reader) => at.get(reader.id))).toEqual(
        readers.map((_, i) => Math.max(1 + (i % 3), 4 + ((readers.length - 1 - i) % 3), 2 + (i % 4))),
      );
    });
  });

  // ——— History ———————————————————————————————————————————————————————————————————————————————

  describe('history', () => {
    let owner: User;
    let r: Room;
    const N = 1000;

    beforeAll(async () => {
      owner = await user();
      r = await room(owner);
      await seedMessages(r.id, owner.id, N);
    });

    it.each([100, 33, 1])('forward with first: %i visits each of 1,000 messages once, in order', async (size) => {
      const seqs: number[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await listMessages(db, SECRET, null, r.id, { first: size, after });
        pages++;
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        const pageSeqs = page.edges.map((e) => e.node.seq);
        expect(pageSeqs).toEqual([...pageSeqs].sort((a, b) => a - b));
        expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
        seqs.push(...pageSeqs);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect(pages).toBe(Math.ceil(N / size));
    });

    it.each([100, 33])('backward with last: %i visits each once; edges stay oldest → newest', async (size) => {
      const seqs: number[] = [];
      let before: string | null = null;
      for (;;) {
        const page = await listMessages(db, SECRET, owner.id, r.id, { last: size, before });
        expect(page.pageInfo.hasNextPage).toBe(before !== null);
        const pageSeqs = page.edges.map((e) => e.node.seq);
        expect(pageSeqs).toEqual([...pageSeqs].sort((a, b) => a - b));
        seqs.unshift(...pageSeqs);
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor;
      }
      expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    });

    it('a page holds what Prisma reads for its messages, typed the same on either database', async () => {
      const small = await room(owner);
      const sent = [];
      for (const body of ['kept', 'edited', 'deleted']) {
        sent.push((await sendMessage(db, owner.id, { roomId: small.id, body, clientMessageId: body })).message);
      }
      await editMessage(db, owner.id, sent[1]!.id, 'edited again');
      await deleteMessage(db, owner.id, sent[2]!.id);
      const page = await listMessages(db, SECRET, owner.id, small.id, { last: 10 });
      const since = await messagesSince(db, owner.id, small.id, 0);
      const planned = await prisma.message.findMany({
        where: { roomId: small.id },
        orderBy: { seq: 'asc' },
        include: { author: { select: PUBLIC_USER_SELECT } },
      });
      expect(planned.map((m) => [typeof m.seq, m.editedAt instanceof Date, m.deletedAt instanceof Date])).toEqual([
        ['number', false, false],
        ['number', true, false],
        ['number', false, true],
      ]);
      expect(page.edges.map((e) => e.node)).toStrictEqual(planned);
      expect(since).toStrictEqual(planned);
    });

    it('with no page arguments gives the newest 50; with only after, the next 50', async () => {
      const newest = await listMessages(db, SECRET, null, r.id);
      expect(newest.edges.map((e) => e.node.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 951 + i));
      expect(newest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
      const next = await listMessages(db, SECRET, null, r.id, { after: encodeCursor(SECRET, r.id, 10) });
      expect(next.edges.map((e) => e.node.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
      const between = await listMessages(db, SECRET, null, r.id, {
        first: 100,
        after: encodeCursor(SECRET, r.id, 10),
        before: encodeCursor(SECRET, r.id, 14),
      });
      expect(between.edges.map((e) => e.node.seq)).toEqual([11, 12, 13]);
      expect(between.pageInfo.hasNextPage).toBe(false);
    });

    it('loads the selection the GraphQL layer asks for', async () => {
      const page = await listMessages(db, SECRET, null, r.id, { first: 2 }, { query: { include: { author: true } } });
      expect((page.edges[0]!.node as unknown as { author: User }).author.id).toBe(owner.id);
      const selected = await listMessages(db, SECRET, null, r.id, { last: 2 }, { query: { select: { id: true } } });
      expect(selected.edges.map((e) => e.node.seq)).toEqual([999, 1000]);
    });

    it('refuses bad page sizes and cursors', async () => {
      const list = (args: Parameters<typeof listMessages>[4]) => listMessages(db, SECRET, null, r.id, args);
      await expectError(list({ first: 0 }), 'BAD_USER_INPUT', 'first');
      await expectError(list({ first: 101 }), 'BAD_USER_INPUT', 'first');
      await expectError(list({ last: 0 }), 'BAD_USER_INPUT', 'last');
      await expectError(list({ last: 101 }), 'BAD_USER_INPUT', 'last');
      await expectError(list({ first: 10, last: 10 }), 'BAD_USER_INPUT', 'last');
      const valid = encodeCursor(SECRET, r.id, 500);
      const forged = valid.slice(0, -2) + (valid.endsWith('AA') ? 'BB' : 'AA');
      await expectError(list({ after: forged }), 'BAD_USER_INPUT', 'after');
      await expectError(list({ before: 'garbage' }), 'BAD_USER_INPUT', 'before');
      await expectError(list({ after: encodeCursor('wrong secret', r.id, 500) }), 'BAD_USER_INPUT', 'after');
      const other = await room(owner);
      await seedMessages(other.id, owner.id, 3);
      const foreign = (await listMessages(db, SECRET, null, other.id)).pageInfo.endCursor!;
      const error = await expectError(list({ before: foreign }), 'BAD_USER_INPUT', 'before');
      expect(error.message).toBe('before is a cursor of another room');
    });

    it('messagesSince returns what came after a seq, ascending', async () => {
      const since = await messagesSince(db, null, r.id, 990);
      expect(since.map((m) => m.seq)).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
      expect((await messagesSince(db, null, r.id, 0)).map((m) => m.seq)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      expect(await messagesSince(db, null, r.id, 0, 1000)).toHaveLength(1000);
      expect(await messagesSince(db, null, r.id, 1000)).toEqual([]);
      await expectError(messagesSince(db, null, r.id, -1), 'BAD_USER_INPUT', 'afterSeq');
      await expectError(messagesSince(db, null, r.id, 0, 1001), 'BAD_USER_INPUT', 'first');
      await expectError(messagesSince(db, null, r.id, 0, 0), 'BAD_USER_INPUT', 'first');
    });
  });

  // ——— Search ————————————————————————————————————————————————————————————————————————————————

  describe('search', () => {
    it('finds words, best match first, only where the viewer may read', async () => {
      const [member, outsider] = await Promise.all([user(), user()]);
      const word = unique('walrus');
      const open = await room(member);
      const closed = await room(member, 'PRIVATE');
      const { room: direct } = await openDirectRoom(prisma, member.id, (await user()).username);
      const send = (roomId: string, body: string) => sendMessage(db, member.id, { roomId, body });
      const once = (await send(open.id, `a ${word} in the public room`)).message;
      const twice = (await send(open.id, `${word} and another ${word.toUpperCase()}`)).message;
      const secret = (await send(closed.id, `a private ${word}`)).message;
      const whisper = (await send(direct.id, `a direct ${word}`)).message;
      const gone = (await send(open.id, `a deleted ${word}`)).message;
      await deleteMessage(db, member.id, gone.id);
      await send(open.id, 'nothing to see');

      const ids = async (viewerId: string | null, args = {}) =>
        (await searchMessages(prisma, SECRET, viewerId, word, args)).edges.map((e) => e.node.id);
      expect(await ids(null)).toEqual([twice.id, once.id]);
      expect(await ids(outsider.id)).toEqual([twice.id, once.id]);
      const all = await ids(member.id);
      expect(all[0]).toBe(twice.id);
      expect(new Set(all)).toEqual(new Set([twice.id, once.id, secret.id, whisper.id]));
      expect(await ids(member.id, { roomId: closed.id })).toEqual([secret.id]);
      await expectError(ids(outsider.id, { roomId: closed.id }), 'FORBIDDEN');
      await expectError(ids(null, { roomId: direct.id }), 'FORBIDDEN');
      // websearch syntax: a phrase and an exclusion
      expect(
        (await searchMessages(prisma, SECRET, member.id, `"public room" ${word}`)).edges.map((e) => e.node.id),
      ).toEqual([once.id]);
      expect(
        (await searchMessages(prisma, SECRET, member.id, `${word} -private -direct -another`)).edges.map(
          (e) => e.node.id,
        ),
      ).toEqual([once.id]);
    });

    it('ranks only the newest SEARCH_WINDOW matches of a word that is everywhere', async () => {
      const owner = await user();
      const word = unique('heron');
      const r = await room(owner);
      // The oldest 50 say the word twice and would rank first, but are older than the newest window.
      await seedMessages(r.id, owner.id, SEARCH_WINDOW + 50, (i) =>
        i <= 50 ? `${word} ${word} old ${i}` : `${word} new ${i}`,
      );
      for (const where of [{}, { roomId: r.id }]) {
        const page = await searchMessages(prisma, SECRET, null, word, { first: 20, ...where });
        expect(page.edges).toHaveLength(20);
        expect(page.edges.filter((e) => e.node.body.includes(' old '))).toEqual([]);
        // The same rank for all of them: newest first.
        expect(page.edges[0]!.node.body).toBe(`${word} new ${SEARCH_WINDOW + 50}`);
      }
    });

    it('pages through every hit once, and refuses empty queries and foreign cursors', async () => {
      const owner = await user();
      const word = unique('pelican');
      const r = await room(owner);
      await seedMessages(r.id, owner.id, 25, (i) => `${word} ${i % 3 ? '' : word} number ${i}`);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await searchMessages(prisma, SECRET, null, word, { first: 4, after });
        seen.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      const full = await searchMessages(prisma, SECRET, null, word, { first: 25 });
      expect(full.edges.map((e) => e.node.id)).toEqual(seen);
      expect(full.pageInfo.hasNextPage).toBe(false);

      await expectError(searchMessages(prisma, SECRET, null, '   '), 'BAD_USER_INPUT', 'query');
      await expectError(searchMessages(prisma, SECRET, null, word, { first: 101 }), 'BAD_USER_INPUT', 'first');
      await expectError(
        searchMessages(prisma, SECRET, null, 'other words', { after: after! }),
        'BAD_USER_INPUT',
        'after',
      );
      await expectError(searchMessages(prisma, SECRET, null, word, { after: 'forged' }), 'BAD_USER_INPUT', 'after');
      expect((await searchMessages(prisma, SECRET, null, '!!! ---')).edges).toEqual([]);
    });
  });
});
