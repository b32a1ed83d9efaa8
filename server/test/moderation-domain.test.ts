import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteMessage, editMessage, sendMessage, type SlowMode } from '../src/chat/messages.js';
import {
  banMember,
  listAuditLog,
  listMemberships,
  listReports,
  muteMember,
  removeMember,
  reportMessage,
  setArchived,
  setMemberRole,
  unbanMember,
  unmuteMember,
  updateRoom,
} from '../src/chat/moderation.js';
import { refusal } from '../src/chat/policy.js';
import { createRoom, inviteToRoom, joinRoom, leaveRoom, openDirectRoom } from '../src/chat/rooms.js';
import { addReaction } from '../src/chat/reactions.js';
import { AppError, type ErrorCode, rateLimited } from '../src/errors.js';
import type { PrismaClient, Room, User } from '../src/generated/prisma/client.js';
import { type Database, openDatabase } from '../src/infra/db.js';
import { createDataDir, createPostgresDatabase } from './support/databases.js';
import { hasPostgres } from './support/env.js';

const SECRET = 'moderation-test-cursor-secret';

async function expectError(work: Promise<unknown>, code: ErrorCode, field?: string): Promise<AppError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code, (error as Error).message).toBe(code);
    if (field) expect((error as AppError).extensions.field).toBe(field);
    return error as AppError;
  }
  throw new Error('expected an error, but it succeeded');
}

const inAnHour = () => new Date(Date.now() + 3_600_000);

describe('policy: ranks', () => {
  const room = { kind: 'PUBLIC' as const, isMember: true };
  const target = (role: 'OWNER' | 'MODERATOR' | 'MEMBER' | null) => ({ targetUserId: 'target', targetRole: role });
  it.each([
    ['OWNER', 'OWNER', 'FORBIDDEN'],
    ['OWNER', 'MODERATOR', null],
    ['OWNER', 'MEMBER', null],
    ['MODERATOR', 'OWNER', 'FORBIDDEN'],
    ['MODERATOR', 'MODERATOR', 'FORBIDDEN'],
    ['MODERATOR', 'MEMBER', null],
    ['MEMBER', 'MEMBER', 'FORBIDDEN'],
  ] as const)('a %s removing a %s: %s', (role, targetRole, expected) => {
    const error = refusal({ userId: 'me' }, 'member.remove', { ...room, role, ...target(targetRole) });
    expect(error?.code ?? null).toBe(expected);
  });

  it('no moderation in DIRECT rooms, and none of oneself', () => {
    expect(
      refusal({ userId: 'me' }, 'member.mute', { kind: 'DIRECT', isMember: true, role: 'MEMBER', ...target('MEMBER') })
        ?.code,
    ).toBe('FORBIDDEN');
    const self = refusal({ userId: 'me' }, 'member.ban', {
      ...room,
      role: 'OWNER',
      targetUserId: 'me',
      targetRole: 'OWNER',
    });
    expect([self?.code, self?.extensions.field]).toEqual(['BAD_USER_INPUT', 'userId']);
  });

  it('muted members and archived rooms cannot write', () => {
    const muted = { ...room, role: 'MEMBER' as const, mutedUntil: inAnHour() };
    for (const action of ['room.send', 'room.react', 'room.type'] as const) {
      expect(refusal({ userId: 'me' }, action, muted)?.code).toBe('FORBIDDEN');
      expect(refusal({ userId: 'me' }, action, { ...muted, mutedUntil: new Date(Date.now() - 1) })).toBeNull();
      expect(refusal({ userId: 'me' }, action, { ...room, archivedAt: new Date() })?.code).toBe('FORBIDDEN');
    }
  });
});

const databases: Database['kind'][] = hasPostgres ? ['embedded', 'postgres'] : ['embedded'];

describe.each(databases)('moderation on the %s database', (kind) => {
  let db: Database;
  let db2: Database;
  let prisma: PrismaClient;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (kind === 'postgres') {
      const pg = await createPostgresDatabase();
      cleanups.push(pg.drop);
      db = await openDatabase({ databaseUrl: pg.url, databasePoolSize: 10, dataDir: '' });
      db2 = await openDatabase({ databaseUrl: pg.url, databasePoolSize: 10, dataDir: '' });
      cleanups.push(() => db2.close());
    } else {
      const data = await createDataDir();
      cleanups.push(data.remove);
      db = await openDatabase({ databaseUrl: undefined, dataDir: data.dir, databasePoolSize: 1 });
      db2 = db;
    }
    cleanups.push(() => db.close());
    await db.migrate();
    prisma = db.prisma;
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  let counter = 0;
  const unique = (prefix: string) => `${prefix}${++counter}`;
  function user(): Promise<User> {
    const username = unique('mod_user_');
    return prisma.user.create({
      data: { id: randomUUID(), username, usernameKey: username.toLowerCase(), passwordHash: 'not-a-hash' },
    });
  }

  /** A room of an owner, a moderator and two members. */
  async function cast(roomKind: 'PUBLIC' | 'PRIVATE' = 'PUBLIC') {
    const [owner, moderator, member, other] = await Promise.all([user(), user(), user(), user()]);
    const room = await createRoom(prisma, owner.id, { name: unique('Moderated '), kind: roomKind });
    for (const u of [moderator, member, other]) {
      if (roomKind === 'PRIVATE') await inviteToRoom(prisma, owner.id, room.id, u.username);
      await joinRoom(prisma, u.id, { roomId: room.id });
    }
    await setMemberRole(prisma, owner.id, { roomId: room.id, userId: moderator.id, role: 'MODERATOR' });
    return { room, owner, moderator, member, other };
  }
  const roleOf = async (room: Room, u: User) =>
    (await prisma.membership.findUnique({ where: { roomId_userId: { roomId: room.id, userId: u.id } } }))?.role ?? null;

  it('the creator is OWNER; owners set roles; the last owner cannot step down', async () => {
    const { room, owner, moderator, member } = await cast();
    expect(await roleOf(room, owner)).toBe('OWNER');
    expect(await roleOf(room, moderator)).toBe('MODERATOR');
    await expectError(
      setMemberRole(prisma, moderator.id, { roomId: room.id, userId: member.id, role: 'MODERATOR' }),
      'FORBIDDEN',
    );
    await expectError(
      setMemberRole(prisma, owner.id, { roomId: room.id, userId: owner.id, role: 'MEMBER' }),
      'CONFLICT',
      'role',
    );
    await expectError(
      setMemberRole(prisma, owner.id, { roomId: room.id, userId: member.id, role: 'KING' }),
      'BAD_USER_INPUT',
      'role',
    );
    const stranger = await user();
    await expectError(
      setMemberRole(prisma, owner.id, { roomId: room.id, userId: stranger.id, role: 'MODERATOR' }),
      'BAD_USER_INPUT',
      'userId',
    );
    await expectError(
      setMemberRole(prisma, owner.id, { roomId: room.id, userId: randomUUID(), role: 'MODERATOR' }),
      'NOT_FOUND',
      'userId',
    );
    expect(await roleOf(room, owner)).toBe('OWNER');
  });

  it('the last owner cannot leave while others remain; with another owner, or alone, they may', async () => {
    const { room, owner, moderator } = await cast();
    await expectError(leaveRoom(prisma, owner.id, room.id), 'CONFLICT', 'roomId');
    expect(await roleOf(room, owner)).toBe('OWNER');
    await setMemberRole(prisma, owner.id, { roomId: room.id, userId: moderator.id, role: 'OWNER' });
    expect((await leaveRoom(prisma, owner.id, room.id)).left).toBe(true);
    const solo = await createRoom(prisma, owner.id, { name: unique('Solo '), kind: 'PUBLIC' });
    expect((await leaveRoom(prisma, owner.id, solo.id)).left).toBe(true);
  });

  it('two owners demoting each other at once leave one owner', async () => {
    for (let round = 0; round < 5; round++) {
      const { room, owner, moderator } = await cast();
      await setMemberRole(prisma, owner.id, { roomId: room.id, userId: moderator.id, role: 'OWNER' });
      const results = await Promise.allSettled([
        setMemberRole(db.prisma, owner.id, { roomId: room.id, userId: moderator.id, role: 'MEMBER' }),
        setMemberRole(db2.prisma, moderator.id, { roomId: room.id, userId: owner.id, role: 'MEMBER' }),
      ]);
      const owners = await prisma.membership.count({ where: { roomId: room.id, role: 'OWNER' } });
      expect(owners).toBe(1);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((refused.reason as AppError).code).toMatch(/CONFLICT|FORBIDDEN/);
    }
  });

  it('removing, banning and muting follow rank, and each is audited', async () => {
    const { room, owner, moderator, member, other } = await cast('PRIVATE');
    await expectError(removeMember(prisma, moderator.id, { roomId: room.id, userId: owner.id }), 'FORBIDDEN', 'userId');
    await expectError(removeMember(prisma, member.id, { roomId: room.id, userId: other.id }), 'FORBIDDEN');
    await expectError(
      removeMember(prisma, moderator.id, { roomId: room.id, userId: moderator.id }),
      'BAD_USER_INPUT',
      'userId',
    );
    await removeMember(prisma, moderator.id, { roomId: room.id, userId: other.id, reason: 'spam' });
    expect(await roleOf(room, other)).toBeNull();
    await expectError(
      removeMember(prisma, moderator.id, { roomId: room.id, userId: other.id }),
      'BAD_USER_INPUT',
      'userId',
    );

    // A ban: removed, cannot be invited or join until unbanned.
    await expectError(
      banMember(prisma, moderator.id, { roomId: room.id, userId: member.id, until: new Date(Date.now() - 1000) }),
      'BAD_USER_INPUT',
      'until',
    );
    await expectError(
      banMember(prisma, moderator.id, {
        roomId: room.id,
        userId: member.id,
        until: new Date(Date.now() + 400 * 86_400_000),
      }),
      'BAD_USER_INPUT',
      'until',
    );
    expect(await roleOf(room, member)).toBe('MEMBER'); // nothing changed
    const banned = await banMember(prisma, moderator.id, { roomId: room.id, userId: member.id, reason: 'abuse' });
    expect(banned.removed).toBe(true);
    expect(banned.room.memberCount).toBe(2);
    await expectError(inviteToRoom(prisma, owner.id, room.id, member.username), 'FORBIDDEN', 'username');
    await unbanMember(prisma, moderator.id, { roomId: room.id, userId: member.id });
    await inviteToRoom(prisma, owner.id, room.id, member.username);
    await joinRoom(prisma, member.id, { roomId: room.id });

    // A mute: no sending, reacting or editing until it ends; lifted, sending works again.
    const { message } = await sendMessage(db, member.id, { roomId: room.id, body: 'before the mute' });
    await expectError(
      muteMember(prisma, moderator.id, { roomId: room.id, userId: owner.id, until: inAnHour() }),
      'FORBIDDEN',
    );
    await muteMember(prisma, moderator.id, { roomId: room.id, userId: member.id, until: inAnHour() });
    await expectError(sendMessage(db, member.id, { roomId: room.id, body: 'muted?' }), 'FORBIDDEN');
    await expectError(addReaction(db, member.id, message.id, '👍'), 'FORBIDDEN');
    await expectError(editMessage(db, member.id, message.id, 'edited'), 'FORBIDDEN');
    await unmuteMember(prisma, moderator.id, { roomId: room.id, userId: member.id });
    await sendMessage(db, member.id, { roomId: room.id, body: 'after the mute' });

    const log = await listAuditLog(prisma, SECRET, owner.id, room.id, {});
    expect(log.edges.map((e) => e.node.action)).toEqual([
      'MEMBER_UNMUTED',
      'MEMBER_MUTED',
      'MEMBER_UNBANNED',
      'MEMBER_BANNED',
      'MEMBER_REMOVED',
      'ROLE_CHANGED',
    ]);
    expect(log.edges.find((e) => e.node.action === 'MEMBER_REMOVED')!.node).toMatchObject({
      actorId: moderator.id,
      targetUserId: other.id,
      reason: 'spam',
    });
    await expectError(listAuditLog(prisma, SECRET, moderator.id, room.id, {}), 'FORBIDDEN');
  });

  it('a banned user cannot rejoin a PUBLIC room until the ban ends; a kicked one can', async () => {
    const { room, moderator, member, other } = await cast();
    await removeMember(prisma, moderator.id, { roomId: room.id, userId: other.id });
    await joinRoom(prisma, other.id, { roomId: room.id });
    await banMember(prisma, moderator.id, { roomId: room.id, userId: member.id, until: inAnHour() });
    await expectError(joinRoom(prisma, member.id, { roomId: room.id }), 'FORBIDDEN');
    await prisma.roomBan.update({
      where: { roomId_userId: { roomId: room.id, userId: member.id } },
      data: { until: new Date(Date.now() - 1) },
    });
    expect((await joinRoom(prisma, member.id, { roomId: room.id })).joined).toBe(true);
  });

  it('room settings: ranges, who may, archiving makes the room read-only', async () => {
    const { room, owner, moderator, member } = await cast();
    await expectError(
      updateRoom(prisma, moderator.id, { roomId: room.id, slowModeSeconds: 3601 }),
      'BAD_USER_INPUT',
      'slowModeSeconds',
    );
    await expectError(
      updateRoom(prisma, moderator.id, { roomId: room.id, slowModeSeconds: -1 }),
      'BAD_USER_INPUT',
      'slowModeSeconds',
    );
    await expectError(updateRoom(prisma, moderator.id, { roomId: room.id, name: 'renamed' }), 'FORBIDDEN');
    await expectError(updateRoom(prisma, member.id, { roomId: room.id, topic: 'mine now' }), 'FORBIDDEN');
    const updated = await updateRoom(prisma, moderator.id, { roomId: room.id, topic: 'Be kind', slowModeSeconds: 30 });
    expect(updated.room).toMatchObject({ topic: 'Be kind', slowModeSeconds: 30 });
    const renamed = await updateRoom(prisma, owner.id, { roomId: room.id, name: unique('Renamed ') });
    expect(renamed.changed).toBe(true);

    const { message } = await sendMessage(db, member.id, { roomId: room.id, body: 'before archiving' });
    await expectError(setArchived(prisma, moderator.id, room.id, true), 'FORBIDDEN');
    await setArchived(prisma, owner.id, room.id, true);
    await expectError(sendMessage(db, owner.id, { roomId: room.id, body: 'archived?' }), 'FORBIDDEN');
    await expectError(deleteMessage(db, member.id, message.id), 'FORBIDDEN');
    await expectError(updateRoom(prisma, owner.id, { roomId: room.id, topic: 'x' }), 'FORBIDDEN');
    await setArchived(prisma, owner.id, room.id, false);
    await sendMessage(db, owner.id, { roomId: room.id, body: 'unarchived' });
  });

  it('moderators delete members\u2019 messages, not an owner\u2019s; reports reach moderators', async () => {
    const { room, owner, moderator, member, other } = await cast();
    const fromMember = (await sendMessage(db, member.id, { roomId: room.id, body: 'spam spam' })).message;
    const fromOwner = (await sendMessage(db, owner.id, { roomId: room.id, body: 'rules' })).message;
    await expectError(deleteMessage(db, other.id, fromMember.id), 'FORBIDDEN');
    await expectError(deleteMessage(db, moderator.id, fromOwner.id), 'FORBIDDEN');
    expect((await deleteMessage(db, moderator.id, fromMember.id)).changed).toBe(true);
    const entry = (await listAuditLog(prisma, SECRET, owner.id, room.id, { first: 1 })).edges[0]!.node;
    expect(entry).toMatchObject({ action: 'MESSAGE_DELETED', targetMessageId: fromMember.id, targetUserId: member.id });

    const reported = (await sendMessage(db, member.id, { roomId: room.id, body: 'rude' })).message;
    await expectError(
      reportMessage(prisma, other.id, { messageId: reported.id, reason: ' ' }),
      'BAD_USER_INPUT',
      'reason',
    );
    await expectError(
      reportMessage(prisma, member.id, { messageId: reported.id, reason: 'me' }),
      'BAD_USER_INPUT',
      'messageId',
    );
    expect((await reportMessage(prisma, other.id, { messageId: reported.id, reason: 'rude' })).created).toBe(true);
    expect((await reportMessage(prisma, other.id, { messageId: reported.id, reason: 'again' })).created).toBe(false);
    const reports = await listReports(prisma, SECRET, moderator.id, room.id, {});
    expect(reports.edges.map((e) => [e.node.messageId, e.node.reporterId, e.node.reason])).toEqual([
      [reported.id, other.id, 'rude'],
    ]);
    await expectError(listReports(prisma, SECRET, member.id, room.id, {}), 'FORBIDDEN');
    const members = await listMemberships(prisma, SECRET, member.id, room.id, {});
    expect(members.edges.map((e) => e.node.role).sort()).toEqual(['MEMBER', 'MEMBER', 'MODERATOR', 'OWNER']);
  });

  it('DIRECT rooms have no moderators', async () => {
    const [a, b] = await Promise.all([user(), user()]);
    const { room } = await openDirectRoom(prisma, a.id, b.username);
    await expectError(removeMember(prisma, a.id, { roomId: room.id, userId: b.id }), 'FORBIDDEN');
    await expectError(updateRoom(prisma, a.id, { roomId: room.id, topic: 'x' }), 'FORBIDDEN');
  });

  it('slow mode: members wait, owners and moderators do not', async () => {
    const { room, owner, moderator, member } = await cast();
    await updateRoom(prisma, owner.id, { roomId: room.id, slowModeSeconds: 60 });
    const last = new Map<string, number>();
    const slowMode: SlowMode = {
      async take(roomId, userId, seconds) {
        const key = `${roomId}:${userId}`;
        const at = last.get(key);
        if (at !== undefined && Date.now() - at < seconds * 1000) throw rateLimited(at + seconds * 1000 - Date.now());
        last.set(key, Date.now());
      },
    };
    const send = (u: User, body: string) => sendMessage(db, u.id, { roomId: room.id, body }, undefined, slowMode);
    await send(member, 'one');
    const error = await expectError(send(member, 'two'), 'RATE_LIMITED');
    expect(error.extensions.retryAfterMs).toBeGreaterThan(50_000);
    for (const u of [owner, moderator]) {
      await send(u, 'one');
      await send(u, 'two');
    }
  });
});
