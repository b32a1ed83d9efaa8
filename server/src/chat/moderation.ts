import { randomUUID } from 'node:crypto';
import { AppError, badInput, conflict } from '../errors.js';
import type {
  Membership,
  MemberRole,
  MessageReport,
  Prisma,
  PrismaClient,
  Room,
  RoomAuditEntry,
  User,
} from '../generated/prisma/client.js';
import { enqueueWebhookEvent, memberData } from '../integrations/outbox.js';
import { recordAudit } from './audit.js';
import { type Connection, type CursorSecret, decodeKeyCursor, encodeKeyCursor, toConnection } from './cursor.js';
import { deletedMessage, findMessage } from './messages.js';
import { assertCan, type MemberAction, requireUser } from './policy.js';
import {
  accessRoom,
  type Db,
  isUniqueViolation,
  loadRoomAccess,
  lockOwners,
  lockRoom,
  type RoomAccess,
  roomResource,
  type UserQuery,
} from './rooms.js';
import {
  parseId,
  parsePageSize,
  parseReason,
  parseRole,
  parseRoomName,
  parseSlowModeSeconds,
  parseTopic,
  parseUntil,
} from './validation.js';

/**
 * Moderation: roles, room settings, removing, banning and muting members, archiving, reports and
 * the audit log. Every action asks the policy (chat/policy.ts), runs in one transaction that holds
 * the room's lock (so membership changes of a room queue up, and two owners demoting each other at
 * once leave one owner), and records itself in the room's audit log. A refused action changes
 * nothing.
 */

const userNotFound = () => new AppError('NOT_FOUND', 'User not found', { field: 'userId' });

/** Where the viewer and the member acted on stand, with the room locked until the transaction ends. */
interface Standing {
  access: RoomAccess;
  target: User;
  targetMembership: Membership | null;
}

/**
 * Runs `work` in a transaction holding the room's lock, once the policy allows the viewer `action`
 * on `targetUserId` (a raw id from the caller, checked here).
 */
async function onMember<T>(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string },
  action: MemberAction,
  work: (tx: Prisma.TransactionClient, standing: Standing & { actorId: string; roomId: string }) => Promise<T>,
): Promise<T> {
  const actorId = requireUser(viewerId);
  const roomId = parseId('roomId', input.roomId);
  const targetId = parseId('userId', input.userId);
  return prisma.$transaction(async (tx) => {
    await lockRoom(tx, roomId);
    const access = await loadRoomAccess(tx, actorId, roomId);
    const target = await tx.user.findUnique({ where: { id: targetId } });
    if (!target) throw userNotFound();
    const targetMembership =
      targetId === actorId
        ? access.membership
        : await tx.membership.findUnique({ where: { roomId_userId: { roomId, userId: targetId } } });
    assertCan({ userId: actorId }, action, {
      ...roomResource(access),
      targetUserId: targetId,
      targetRole: targetMembership?.role ?? null,
    });
    return work(tx, { access, target, targetMembership, actorId, roomId });
  });
}

/** Removes a membership (kick or ban), keeping memberCount and the webhooks' MEMBER_LEFT in step. */
async function dropMembership(tx: Prisma.TransactionClient, roomId: string, userId: string): Promise<Room> {
  await tx.membership.delete({ where: { roomId_userId: { roomId, userId } } });
  await enqueueWebhookEvent(tx, 'MEMBER_LEFT', roomId, memberData(userId));
  return tx.room.update({ where: { id: roomId }, data: { memberCount: { decrement: 1 } } });
}

// ——— Roles ——————————————————————————————————————————————————————————————————————————————————————

/**
 * An OWNER sets a member's role. The last OWNER cannot step down (CONFLICT on role): the owners'
 * rows are locked and counted in the transaction, so two owners demoting each other at once leave
 * one. The same role again changes nothing (`changed: false`).
 */
export async function setMemberRole(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string; role: string },
): Promise<{ room: Room; userId: string; role: MemberRole; changed: boolean }> {
  const role = parseRole(input.role);
  return onMember(
    prisma,
    viewerId,
    input,
    'member.setRole',
    async (tx, { access, targetMembership, actorId, roomId }) => {
      const current = targetMembership!.role;
      const userId = targetMembership!.userId;
      if (current === role) return { room: access.room, userId, role, changed: false };
      if (current === 'OWNER' && (await lockOwners(tx, roomId)) <= 1) {
        throw conflict('The last owner cannot step down; make another member an owner first', 'role');
      }
      await tx.membership.update({ where: { roomId_userId: { roomId, userId } }, data: { role } });
      await recordAudit(tx, {
        roomId,
        actorId,
        action: 'ROLE_CHANGED',
        targetUserId: userId,
        details: { from: current, role },
      });
      return { room: access.room, userId, role, changed: true };
    },
  );
}

// ——— Room settings ——————————————————————————————————————————————————————————————————————————————

/**
 * OWNERs and MODERATORs change the topic and slow mode; only OWNERs rename. Fields left out
 * (undefined) stay; a null or empty topic clears it. Nothing different: `changed: false`.
 */
export async function updateRoom(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; name?: string | null; topic?: string | null; slowModeSeconds?: number | null },
): Promise<{ room: Room; changed: boolean }> {
  const userId = requireUser(viewerId);
  const roomId = parseId('roomId', input.roomId);
  const name = input.name != null ? parseRoomName(input.name) : null;
  const topic = input.topic !== undefined ? parseTopic(input.topic) : undefined;
  const slowModeSeconds = input.slowModeSeconds != null ? parseSlowModeSeconds(input.slowModeSeconds) : undefined;
  try {
    return await prisma.$transaction(async (tx) => {
      await lockRoom(tx, roomId);
      const access = await loadRoomAccess(tx, userId, roomId);
      const resource = roomResource(access);
      assertCan({ userId }, 'room.update', resource);
      if (name) assertCan({ userId }, 'room.rename', resource);
      const { room } = access;
      const data: Prisma.RoomUpdateInput = {};
      if (name && name.name !== room.name) Object.assign(data, name);
      if (topic !== undefined && topic !== room.topic) data.topic = topic;
      if (slowModeSeconds !== undefined && slowModeSeconds !== room.slowModeSeconds)
        data.slowModeSeconds = slowModeSeconds;
      if (Object.keys(data).length === 0) return { room, changed: false };
      if (name && name.nameKey !== room.nameKey) {
        const taken = await tx.room.findUnique({ where: { nameKey: name.nameKey }, select: { id: true } });
        if (taken) throw conflict('Room name is taken', 'name');
      }
      const updated = await tx.room.update({ where: { id: roomId }, data });
      const { nameKey: _key, ...details } = data as Record<string, unknown>;
      await recordAudit(tx, {
        roomId,
        actorId: userId,
        action: 'ROOM_UPDATED',
        details: details as Prisma.InputJsonValue,
      });
      return { room: updated, changed: true };
    });
  } catch (error) {
    if (isUniqueViolation(error, { index: 'rooms_name_key_key', columns: ['name_key'] })) {
      throw conflict('Room name is taken', 'name');
    }
    throw error;
  }
}

/** An OWNER archives (read-only) or unarchives the room. Already so: `changed: false`. */
export async function setArchived(
  prisma: PrismaClient,
  viewerId: string | null,
  roomId: string,
  archived: boolean,
): Promise<{ room: Room; changed: boolean }> {
  const userId = requireUser(viewerId);
  const id = parseId('roomId', roomId);
  return prisma.$transaction(async (tx) => {
    await lockRoom(tx, id);
    const access = await loadRoomAccess(tx, userId, id);
    assertCan({ userId }, 'room.archive', roomResource(access));
    if ((access.room.archivedAt !== null) === archived) return { room: access.room, changed: false };
    const room = await tx.room.update({ where: { id }, data: { archivedAt: archived ? new Date() : null } });
    await recordAudit(tx, { roomId: id, actorId: userId, action: archived ? 'ROOM_ARCHIVED' : 'ROOM_UNARCHIVED' });
    return { room, changed: true };
  });
}

// ——— Removing, banning, muting ————————————————————————————————————————————————————————————————

/** Kicks a member: removed now, free to rejoin a PUBLIC room (or a PRIVATE one when invited again). */
export async function removeMember(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string; reason?: string | null },
): Promise<{ room: Room; userId: string }> {
  const reason = parseReason(input.reason);
  return onMember(prisma, viewerId, input, 'member.remove', async (tx, { target, actorId, roomId }) => {
    const room = await dropMembership(tx, roomId, target.id);
    await recordAudit(tx, { roomId, actorId, action: 'MEMBER_REMOVED', targetUserId: target.id, reason });
    return { room, userId: target.id };
  });
}

/**
 * Bans a user (a member or not): removed if a member, and unable to join or be invited until
 * `until` (null: for good; in the future, at most a year ahead). A pending invitation goes.
 * Banning again replaces the ban's end and reason. `removed` says whether they were a member.
 */
export async function banMember(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string; reason?: string | null; until?: Date | string | null },
): Promise<{ room: Room; userId: string; removed: boolean; until: Date | null }> {
  const reason = parseReason(input.reason);
  const until = parseUntil(input.until, false);
  return onMember(
    prisma,
    viewerId,
    input,
    'member.ban',
    async (tx, { access, target, targetMembership, actorId, roomId }) => {
      const ban = { bannedById: actorId, reason, until, createdAt: new Date() };
      await tx.roomBan.upsert({
        where: { roomId_userId: { roomId, userId: target.id } },
        create: { roomId, userId: target.id, ...ban },
        update: ban,
      });
      await tx.invitation.deleteMany({ where: { roomId, userId: target.id } });
      const room = targetMembership ? await dropMembership(tx, roomId, target.id) : access.room;
      await recordAudit(tx, {
        roomId,
        actorId,
        action: 'MEMBER_BANNED',
        targetUserId: target.id,
        reason,
        details: { until: until?.toISOString() ?? null },
      });
      return { room, userId: target.id, removed: targetMembership !== null, until };
    },
  );
}

/** Lifts a ban. Not banned: `changed: false`. */
export async function unbanMember(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string; reason?: string | null },
): Promise<{ room: Room; userId: string; changed: boolean }> {
  const reason = parseReason(input.reason);
  return onMember(prisma, viewerId, input, 'member.unban', async (tx, { access, target, actorId, roomId }) => {
    const { count } = await tx.roomBan.deleteMany({ where: { roomId, userId: target.id } });
    if (count === 0) return { room: access.room, userId: target.id, changed: false };
    await recordAudit(tx, { roomId, actorId, action: 'MEMBER_UNBANNED', targetUserId: target.id, reason });
    return { room: access.room, userId: target.id, changed: true };
  });
}

/** Mutes a member until `until` (required: in the future, at most a year ahead): no sending, reacting or typing. */
export async function muteMember(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string; until: Date | string; reason?: string | null },
): Promise<{ room: Room; userId: string; until: Date }> {
  const until = parseUntil(input.until, true)!;
  const reason = parseReason(input.reason);
  return onMember(prisma, viewerId, input, 'member.mute', async (tx, { access, target, actorId, roomId }) => {
    await tx.membership.update({
      where: { roomId_userId: { roomId, userId: target.id } },
      data: { mutedUntil: until },
    });
    await recordAudit(tx, {
      roomId,
      actorId,
      action: 'MEMBER_MUTED',
      targetUserId: target.id,
      reason,
      details: { until: until.toISOString() },
    });
    return { room: access.room, userId: target.id, until };
  });
}

/** Lifts a mute. Not muted: `changed: false`. */
export async function unmuteMember(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId: string; userId: string; reason?: string | null },
): Promise<{ room: Room; userId: string; changed: boolean }> {
  const reason = parseReason(input.reason);
  return onMember(
    prisma,
    viewerId,
    input,
    'member.unmute',
    async (tx, { access, target, targetMembership, actorId, roomId }) => {
      const muted = targetMembership!.mutedUntil !== null && targetMembership!.mutedUntil.getTime() > Date.now();
      await tx.membership.update({
        where: { roomId_userId: { roomId, userId: target.id } },
        data: { mutedUntil: null },
      });
      if (!muted) return { room: access.room, userId: target.id, changed: false };
      await recordAudit(tx, { roomId, actorId, action: 'MEMBER_UNMUTED', targetUserId: target.id, reason });
      return { room: access.room, userId: target.id, changed: true };
    },
  );
}

// ——— Reports ——————————————————————————————————————————————————————————————————————————————————

/**
 * A reader reports a message to the room's owners and moderators, once (reporting it again changes
 * nothing). Their own message, or a deleted one, is BAD_USER_INPUT on messageId.
 */
export async function reportMessage(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { messageId: string; reason: string },
): Promise<{ roomId: string; created: boolean }> {
  const userId = requireUser(viewerId);
  const reason = parseReason(input.reason, true)!;
  const message = await findMessage(prisma, input.messageId);
  assertCan({ userId }, 'room.report', roomResource(await loadRoomAccess(prisma, userId, message.roomId)));
  if (message.deletedAt) throw deletedMessage();
  if (message.authorId === userId) throw badInput('messageId', 'is your own message');
  const { count } = await prisma.messageReport.createMany({
    data: [{ id: randomUUID(), messageId: message.id, roomId: message.roomId, reporterId: userId, reason }],
    skipDuplicates: true,
  });
  return { roomId: message.roomId, created: count === 1 };
}

/** One more row than the page holds tells whether there is a next page. */
function page<T>(rows: T[], size: number) {
  return { rows: rows.slice(0, size), more: rows.length > size };
}

/** The (createdAt, id) after which a newest-first page goes on, from its cursor. */
function timeCursor(secret: CursorSecret, scope: string, roomId: string, cursor: string | null | undefined) {
  if (cursor == null) return null;
  const [cursorRoom, at, id] = decodeKeyCursor(secret, cursor, scope, 'after', [
    'string',
    'string',
    'string',
  ]) as string[];
  if (cursorRoom !== roomId) throw badInput('after', 'is a cursor of another room');
  const date = new Date(at!);
  if (Number.isNaN(date.getTime())) throw badInput('after', 'is not a valid cursor');
  return { at: date, id: parseId('after', id) };
}

const olderThan = (after: { at: Date; id: string } | null) =>
  after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {};

/** `roomReports`: newest first, for the room's OWNERs and MODERATORs. */
export async function listReports(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  roomId: string,
  args: { first?: number | null; after?: string | null },
  query?: { select?: Prisma.MessageReportSelect | null; include?: Prisma.MessageReportInclude | null },
): Promise<Connection<MessageReport>> {
  const id = parseId('roomId', roomId);
  const { size } = parsePageSize({ first: args.first });
  const after = timeCursor(secret, 'reports', id, args.after);
  await accessRoom(prisma, viewerId, id, 'room.viewReports');
  const found = (await prisma.messageReport.findMany({
    ...withKeys(query),
    where: { roomId: id, ...olderThan(after) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  })) as MessageReport[];
  const { rows, more } = page(found, size);
  return toConnection(rows, (r) => encodeKeyCursor(secret, 'reports', [id, r.createdAt.toISOString(), r.id]), {
    hasNextPage: more,
    hasPreviousPage: after !== null,
  });
}

/** `roomAuditLog`: newest first, for the room's OWNERs. */
export async function listAuditLog(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  roomId: string,
  args: { first?: number | null; after?: string | null },
  query?: { select?: Prisma.RoomAuditEntrySelect | null; include?: Prisma.RoomAuditEntryInclude | null },
): Promise<Connection<RoomAuditEntry>> {
  const id = parseId('roomId', roomId);
  const { size } = parsePageSize({ first: args.first });
  const after = timeCursor(secret, 'audit', id, args.after);
  await accessRoom(prisma, viewerId, id, 'room.viewAuditLog');
  const found = (await prisma.roomAuditEntry.findMany({
    ...withKeys(query),
    where: { roomId: id, ...olderThan(after) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  })) as RoomAuditEntry[];
  const { rows, more } = page(found, size);
  return toConnection(rows, (e) => encodeKeyCursor(secret, 'audit', [id, e.createdAt.toISOString(), e.id]), {
    hasNextPage: more,
    hasPreviousPage: after !== null,
  });
}

/** A selection with the keys paging needs added. */
function withKeys<Q extends { select?: object | null; include?: object | null }>(query: Q | undefined) {
  if (!query) return {};
  return query.select ? { ...query, select: { ...query.select, id: true, createdAt: true } } : query;
}

/** A membership with its user, as `Room.memberships` lists it. */
export type MembershipWithUser = Membership & { user: User };

/** `Room.memberships`: the members with their roles, by username (any case), keyset-paged. */
export async function listMemberships(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  roomId: string,
  args: { first?: number | null; after?: string | null },
  userQuery?: UserQuery,
): Promise<Connection<MembershipWithUser>> {
  const id = parseId('roomId', roomId);
  const { size } = parsePageSize({ first: args.first });
  let after: string | null = null;
  if (args.after != null) {
    const [cursorRoom, key] = decodeKeyCursor(secret, args.after, 'memberships', 'after', ['string', 'string']);
    if (cursorRoom !== id) throw badInput('after', 'is a cursor of another room');
    after = key as string;
  }
  await accessRoom(prisma, viewerId, id, 'room.read');
  const userSelection = userQuery?.select
    ? { select: { ...userQuery.select, usernameKey: true } }
    : userQuery?.include
      ? { include: userQuery.include }
      : true;
  const found = (await prisma.membership.findMany({
    where: { roomId: id, ...(after !== null && { user: { usernameKey: { gt: after } } }) },
    orderBy: { user: { usernameKey: 'asc' } },
    include: { user: userSelection },
    take: size + 1,
  })) as MembershipWithUser[];
  const { rows, more } = page(found, size);
  return toConnection(rows, (m) => encodeKeyCursor(secret, 'memberships', [id, m.user.usernameKey]), {
    hasNextPage: more,
    hasPreviousPage: after !== null,
  });
}
