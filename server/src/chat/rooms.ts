import { randomUUID } from 'node:crypto';
import { badInput, conflict, notFound, unauthenticated } from '../errors.js';
import {
  Prisma,
  type MemberRole,
  type Membership,
  type Message,
  type PrismaClient,
  type Room,
  type User,
} from '../generated/prisma/client.js';
import { enqueueWebhookEvent, memberData } from '../integrations/outbox.js';
import { type CarriedMember, roomJson, userJson } from './carried.js';
import type { Reader } from './messages.js';
import { type NewNotification, notify } from './notifications.js';
import { assertMayInvite, assertMayOpenDirectRoom } from './people.js';
import { type Connection, type CursorSecret, decodeKeyCursor, encodeKeyCursor, toConnection } from './cursor.js';
import { assertCan, type RoomAction, type RoomResource, requireUser } from './policy.js';
import {
  parseId,
  parsePageSize,
  parseRoomKind,
  parseRoomName,
  parseRoomSearch,
  parseTopic,
  parseUsername,
} from './validation.js';

/**
 * Rooms and membership: creating, joining, leaving, inviting, direct rooms, and the lists of rooms
 * and members. Every function takes the Prisma client and plain arguments (raw UUIDs, not global
 * ids) and returns Prisma rows. memberCount changes in the same transaction as the memberships.
 */

/** The client or an interactive transaction's client. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** A Prisma selection from the GraphQL layer (Pothos), spread into the query that loads the rows. */
export interface Selection<Select, Include> {
  select?: Select | null;
  include?: Include | null;
}
export type RoomQuery = Selection<Prisma.RoomSelect, Prisma.RoomInclude>;
export type UserQuery = Selection<Prisma.UserSelect, Prisma.UserInclude>;

/** A unique index, by its name (PostgreSQL's driver reports it) and columns (PGlite's reports those). */
export interface UniqueIndex {
  index: string;
  columns: string[];
}
const ROOM_NAME_KEY: UniqueIndex = { index: 'rooms_name_key_key', columns: ['name_key'] };

/**
 * True when `error` is a unique violation of `unique`: P2002 from a model query, or P2010 with
 * SQLSTATE 23505 from a raw one. The driver adapters describe the index differently, so both ways
 * are checked.
 */
export function isUniqueViolation(error: unknown, unique: UniqueIndex): boolean {
  // A statement run by the driver itself (Reader.read): PostgreSQL's error, as pg and PGlite give it.
  const driver = (error ?? {}) as { code?: unknown; constraint?: unknown };
  if (driver.code === '23505' && driver.constraint === unique.index) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const meta = (error.meta ?? {}) as { target?: unknown; driverAdapterError?: { cause?: Record<string, unknown> } };
  const cause = meta.driverAdapterError?.cause ?? {};
  if (error.code !== 'P2002' && !(error.code === 'P2010' && cause.originalCode === '23505')) return false;
  const constraint = (cause.constraint ?? {}) as { index?: unknown; fields?: unknown };
  const sameColumns = (fields: unknown) =>
    Array.isArray(fields) && fields.length === unique.columns.length && unique.columns.every((c) => fields.includes(c));
  return (
    constraint.index === unique.index ||
    sameColumns(constraint.fields) ||
    meta.target === unique.index ||
    sameColumns(meta.target) ||
    (typeof cause.originalMessage === 'string' && cause.originalMessage.includes(`"${unique.index}"`))
  );
}

/** Adds `fields` to a `select` (the code needs them for cursors); an `include` loads every scalar anyway. */
export function selecting<Q extends Selection<object, object>>(query: Q | undefined, fields: Record<string, true>) {
  if (!query) return {};
  return query.select ? { ...query, select: { ...query.select, ...fields } } : query;
}

const asViewer = (viewerId: string | null | undefined) => (viewerId ? { userId: viewerId } : null);

// ——— Access ———————————————————————————————————————————————————————————————————————————————————

/** A room and the viewer's membership of it (null for guests and non-members). */
export interface RoomAccess {
  room: Room;
  membership: Membership | null;
  /** The page of messages asked for with the room, if one was. */
  messages?: Message[];
}

export function roomResource(access: RoomAccess, isInvited = false, isBanned = false): RoomResource {
  return {
    kind: access.room.kind,
    isMember: access.membership !== null,
    isInvited,
    isBanned,
    role: access.membership?.role ?? null,
    mutedUntil: access.membership?.mutedUntil ?? null,
    archivedAt: access.room.archivedAt ?? null,
  };
}

/** Whether `userId` is banned from the room now (a ban whose `until` passed no longer counts). */
export async function isBanned(db: Db, roomId: string, userId: string): Promise<boolean> {
  const ban = await db.roomBan.findUnique({ where: { roomId_userId: { roomId, userId } }, select: { until: true } });
  return ban !== null && (ban.until === null || ban.until.getTime() > Date.now());
}

/**
 * The room (NOT_FOUND when there is none) and the viewer's membership, in one statement (the
 * membership comes as a joined relation), with a page of its `messages` in the same statement when
 * asked (by callers that pass no room `query`: the schema's room fields never select `messages`).
 * `roomId` is a checked UUID.
 */
export async function loadRoomAccess(
  db: Db,
  viewerId: string | null | undefined,
  roomId: string,
  query?: RoomQuery,
  messages?: Prisma.Room$messagesArgs,
): Promise<RoomAccess> {
  const selection = selecting(query, { id: true, kind: true, archivedAt: true }) as RoomQuery;
  const asked = (selection.select ?? selection.include ?? {}) as { memberships?: unknown };
  // The viewer's membership row. The schema's fields select `memberships` only with this same
  // filter (the viewer's own, see schema/room.ts), so the whole row answers them too and stays on
  // the room then; otherwise it is taken off, so nothing reads it as the room's members.
  const joined = {
    ...(viewerId ? { memberships: { where: { userId: viewerId }, take: 1 } } : {}),
    ...(messages ? { messages } : {}),
  };
  const shape: Prisma.RoomFindUniqueArgs = selection.select
    ? { select: { ...selection.select, ...joined }, where: { id: roomId } }
    : { include: { ...selection.include, ...joined }, where: { id: roomId } };
  const row = (await db.room.findUnique(shape)) as (Room & { memberships?: Membership[]; messages?: Message[] }) | null;
  if (!row) throw notFound('Room');
  const { memberships, messages: page, ...room } = row;
  return {
    room: (asked.memberships ? { ...room, memberships } : room) as Room,
    membership: viewerId ? (memberships?.[0] ?? null) : null,
    ...(page ? { messages: page } : {}),
  };
}

/**
 * The room and membership (and the page of `messages` asked for), when the viewer may do `action`
 * there; NOT_FOUND / UNAUTHENTICATED / FORBIDDEN otherwise, and nothing it loaded is returned.
 */
export async function accessRoom(
  db: Db,
  viewerId: string | null | undefined,
  roomId: string,
  action: RoomAction,
  query?: RoomQuery,
  messages?: Prisma.Room$messagesArgs,
): Promise<RoomAccess> {
  const access = await loadRoomAccess(db, viewerId, parseId('roomId', roomId), query, messages);
  assertCan(asViewer(viewerId), action, roomResource(access));
  return access;
}

/**
 * What a send checks before it stores: that the viewer may send to the room (as `accessRoom` with
 * `room.send` would say), and the room's slow mode and the sender's role, for the slow-mode budget.
 * One flat statement: it is on every send's path, where Prisma's planned `findUnique` with the
 * membership joined cost a millisecond of CPU on each side.
 */
export async function sendAccess(
  db: Db,
  userId: string,
  roomId: string,
): Promise<{ slowModeSeconds: number; role: MemberRole | null }> {
  const [row] = await db.$queryRaw<
    (Pick<RoomResource, 'kind' | 'mutedUntil' | 'archivedAt'> & { slowModeSeconds: number; role: MemberRole | null })[]
  >`
    SELECT rooms.kind::text AS kind, rooms.archived_at AS "archivedAt", rooms.slow_mode_seconds AS "slowModeSeconds",
           memberships.role::text AS role, memberships.muted_until AS "mutedUntil"
    FROM rooms LEFT JOIN memberships ON memberships.room_id = rooms.id AND memberships.user_id = ${userId}::uuid
    WHERE rooms.id = ${roomId}::uuid`;
  if (!row) throw notFound('Room');
  assertCan({ userId }, 'room.send', { ...row, isMember: row.role !== null });
  return { slowModeSeconds: row.slowModeSeconds, role: row.role };
}

/**
 * What setTyping checks (`room.type`, as `accessRoom` would say it), in one flat statement, with the
 * room and the typist's public columns: what the TypingChanged event carries.
 */
export async function typingAccess(db: Reader, userId: string, roomId: string): Promise<CarriedMember> {
  const [row] = await db.read<
    CarriedMember & Pick<RoomResource, 'kind' | 'archivedAt' | 'mutedUntil'> & { role: MemberRole | null }
  >(
    Prisma.sql`
      SELECT ${TYPING_ROOM} AS room, ${TYPIST} AS "user", rooms.kind::text AS kind, rooms.archived_at AS "archivedAt",
             memberships.role::text AS role, memberships.muted_until AS "mutedUntil"
      FROM rooms
        LEFT JOIN memberships ON memberships.room_id = rooms.id AND memberships.user_id = ${userId}::uuid
        LEFT JOIN users ON users.id = memberships.user_id
      WHERE rooms.id = ${parseId('roomId', roomId)}::uuid`,
    { prepare: true },
  );
  if (!row) throw notFound('Room');
  const { room, user, ...resource } = row;
  assertCan({ userId }, 'room.type', { ...resource, isMember: resource.role !== null });
  return { room, user };
}
const TYPING_ROOM = roomJson('rooms');
const TYPIST = userJson('users');

/**
 * How many owners the room has, their rows locked until the transaction ends: an owner stepping
 * down or leaving checks it, so two owners doing so at once cannot leave the room without one.
 */
export async function lockOwners(tx: Prisma.TransactionClient, roomId: string): Promise<number> {
  const owners = await tx.$queryRaw<{ user_id: string }[]>`
    SELECT user_id FROM memberships WHERE room_id = ${roomId}::uuid AND role = 'OWNER'
    ORDER BY user_id FOR UPDATE`;
  return owners.length;
}

/** Locks the room's row until the transaction ends: membership changes and sends of a room queue up here. */
export async function lockRoom(tx: Prisma.TransactionClient, roomId: string): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM rooms WHERE id = ${roomId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw notFound('Room');
}

// ——— Reading rooms ————————————————————————————————————————————————————————————————————————————

/** `room(id)`: PUBLIC rooms for everyone; PRIVATE and DIRECT for members only. */
export async function getRoom(prisma: Db, viewerId: string | null, roomId: string, query?: RoomQuery): Promise<Room> {
  return (await accessRoom(prisma, viewerId, roomId, 'room.read', query)).room;
}

/** `roomByName(name)`: case-insensitive. DIRECT rooms have no name to be found by (NOT_FOUND). */
export async function getRoomByName(
  prisma: Db,
  viewerId: string | null,
  name: string,
  query?: RoomQuery,
): Promise<Room> {
  const { nameKey } = parseRoomName(name);
  const found = await prisma.room.findUnique({ where: { nameKey }, select: { id: true } });
  if (!found) throw notFound('Room');
  return getRoom(prisma, viewerId, found.id, query);
}

/** The viewer's memberships among `roomIds` (for viewerIsMember / unreadCount, one query per batch). */
export async function viewerMemberships(
  prisma: Db,
  viewerId: string | null,
  roomIds: readonly string[],
): Promise<Map<string, Membership>> {
  if (!viewerId || roomIds.length === 0) return new Map();
  const rows = await prisma.membership.findMany({ where: { userId: viewerId, roomId: { in: [...roomIds] } } });
  return new Map(rows.map((m) => [m.roomId, m]));
}

/**
 * Messages the viewer has not read: room.lastSeq − membership.lastReadSeq, never negative; 0 for
 * guests and non-members. Own messages do not count because sending moves the sender's read
 * position to the message sent.
 */
export function unreadCount(room: { lastSeq: number }, membership: { lastReadSeq: number } | null | undefined): number {
  return membership ? Math.max(0, room.lastSeq - membership.lastReadSeq) : 0;
}

/**
 * Who hears a member's read receipt: every member in a room of up to `maxMembers` members; in a
 * larger room only the reader's own sessions (their other tabs and devices keep their unread counts
 * in step). Receipts grow with the square of a room's watchers: after a message each of n watchers
 * marks it read and each receipt goes to all n, n² deliveries against the message's own n.
 */
export const sharesReadReceipts = (room: { memberCount: number }, maxMembers: number) => room.memberCount <= maxMembers;

// ——— Creating and joining ———————————————————————————————————————————————————————————————————————

const nameTaken = () => conflict('Room name is taken', 'name');

/** A PUBLIC or PRIVATE room; the creator becomes its OWNER member. A taken name (any case) is CONFLICT. */
export async function createRoom(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { name: string; kind: string; topic?: string | null },
): Promise<Room> {
  const userId = requireUser(viewerId);
  const { name, nameKey } = parseRoomName(input.name);
  const kind = parseRoomKind(input.kind);
  const topic = parseTopic(input.topic);
  if (await prisma.room.findUnique({ where: { nameKey }, select: { id: true } })) throw nameTaken();
  try {
    return await prisma.room.create({
      data: {
        id: randomUUID(),
        name,
        nameKey,
        kind,
        topic,
        createdById: userId,
        memberCount: 1,
        memberships: { create: { userId, role: 'OWNER' } },
      },
    });
  } catch (error) {
    // Two creators raced past the check above; the unique index decided.
    if (isUniqueViolation(error, ROOM_NAME_KEY)) throw nameTaken();
    throw error;
  }
}

/** The id of the room joinRoom names: by `roomId` or by `name` (exactly one of them). */
async function roomToJoin(prisma: PrismaClient, input: { roomId?: string | null; name?: string | null }) {
  if (input.roomId != null && input.name != null) throw badInput('roomId', 'cannot be used together with name');
  if (input.roomId != null) return parseId('roomId', input.roomId);
  if (input.name == null) throw badInput('roomId', 'or name is required');
  const { nameKey } = parseRoomName(input.name);
  const room = await prisma.room.findUnique({ where: { nameKey }, select: { id: true } });
  if (!room) throw notFound('Room');
  return room.id;
}

/**
 * Joins a PUBLIC room, or a PRIVATE one with an invitation (which it uses up). Idempotent for
 * members (`joined: false`). DIRECT rooms are never joined (FORBIDDEN by id; by name they are
 * NOT_FOUND, having no name to be found by).
 */
export async function joinRoom(
  prisma: PrismaClient,
  viewerId: string | null,
  input: { roomId?: string | null; name?: string | null },
): Promise<{ room: Room; joined: boolean }> {
  const userId = requireUser(viewerId);
  const roomId = await roomToJoin(prisma, input);
  return prisma.$transaction(async (tx) => {
    await lockRoom(tx, roomId);
    const access = await loadRoomAccess(tx, userId, roomId);
    const invitation = await tx.invitation.findUnique({ where: { roomId_userId: { roomId, userId } } });
    const banned = !access.membership && (await isBanned(tx, roomId, userId));
    assertCan({ userId }, 'room.join', roomResource(access, invitation !== null, banned));
    if (access.membership) return { room: access.room, joined: false };
    await tx.membership.create({ data: { roomId, userId, role: 'MEMBER' } });
    if (invitation) await tx.invitation.delete({ where: { roomId_userId: { roomId, userId } } });
    await enqueueWebhookEvent(tx, 'MEMBER_JOINED', roomId, memberData(userId));
    const room = await tx.room.update({ where: { id: roomId }, data: { memberCount: { increment: 1 } } });
    return { room, joined: true };
  });
}

/**
 * Leaves a room. Leaving a PUBLIC room one is not in changes nothing (`left: false`); PRIVATE
 * rooms need membership; DIRECT rooms cannot be left (FORBIDDEN). The room stays when its last
 * member (or its owner) leaves.
 */
export async function leaveRoom(
  prisma: PrismaClient,
  viewerId: string | null,
  roomId: string,
): Promise<{ room: Room; left: boolean }> {
  const userId = requireUser(viewerId);
  const id = parseId('roomId', roomId);
  return prisma.$transaction(async (tx) => {
    await lockRoom(tx, id);
    const access = await loadRoomAccess(tx, userId, id);
    assertCan({ userId }, 'room.leave', roomResource(access));
    if (!access.membership) return { room: access.room, left: false };
    if (access.membership.role === 'OWNER' && access.room.memberCount > 1 && (await lockOwners(tx, id)) <= 1) {
      throw conflict('The last owner cannot leave while others remain; make another member an owner first', 'roomId');
    }
    await tx.membership.delete({ where: { roomId_userId: { roomId: id, userId } } });
    await enqueueWebhookEvent(tx, 'MEMBER_LEFT', id, memberData(userId));
    const room = await tx.room.update({ where: { id }, data: { memberCount: { decrement: 1 } } });
    return { room, left: true };
  });
}

/**
 * A member of a PRIVATE room invites a user by username. Unknown username: NOT_FOUND; already a
 * member: CONFLICT; already invited: nothing changes (`invited: false`). PUBLIC rooms need no
 * invitation and DIRECT rooms take none: both FORBIDDEN.
 */
export async function inviteToRoom(
  prisma: PrismaClient,
  viewerId: string | null,
  roomId: string,
  username: string,
): Promise<{ room: Room; invitee: User; invited: boolean; notification: NewNotification | null }> {
  const userId = requireUser(viewerId);
  const id = parseId('roomId', roomId);
  const { usernameKey } = parseUsername(username);
  return prisma.$transaction(async (tx) => {
    await lockRoom(tx, id);
    const access = await loadRoomAccess(tx, userId, id);
    assertCan({ userId }, 'room.invite', roomResource(access));
    const invitee = await tx.user.findUnique({ where: { usernameKey } });
    if (!invitee) throw notFound('User');
    await assertMayInvite(tx, userId, invitee);
    const membership = await tx.membership.findUnique({ where: { roomId_userId: { roomId: id, userId: invitee.id } } });
    if (membership) throw conflict(`${invitee.username} is already a member of this room`, 'username');
    assertCan({ userId }, 'member.invite', {
      ...roomResource(access),
      targetUserId: invitee.id,
      targetRole: null,
      targetIsBanned: await isBanned(tx, id, invitee.id),
    });
    const { count } = await tx.invitation.createMany({
      data: [{ roomId: id, userId: invitee.id, invitedById: userId }],
      skipDuplicates: true,
    });
    // The invited user is told at once (an invitation repeated tells nothing new).
    const notification =
      count === 1 ? await notify(tx, { userId: invitee.id, kind: 'INVITATION', actorId: userId, roomId: id }) : null;
    return { room: access.room, invitee, invited: count === 1, notification };
  });
}

/** The unique key of the DIRECT room of two users: the same whoever opens it. */
export function directRoomKey(userA: string, userB: string): string {
  const [low, high] = userA < userB ? [userA, userB] : [userB, userA];
  return `direct:${low}:${high}`;
}

/**
 * The DIRECT room of the viewer and `username`, created on first use with both as members. Both
 * opening it at the same moment get the same room: the unique name key lets one insert win and the
 * other reads the winner's room.
 */
export async function openDirectRoom(
  prisma: PrismaClient,
  viewerId: string | null,
  username: string,
): Promise<{ room: Room; created: boolean; members: [string, string] }> {
  const userId = requireUser(viewerId);
  const { usernameKey } = parseUsername(username);
  const [me, other] = await Promise.all([
    prisma.user.findUnique({ where: { id: userId } }),
    prisma.user.findUnique({ where: { usernameKey } }),
  ]);
  if (!me) throw unauthenticated();
  if (!other) throw notFound('User');
  if (other.id === me.id) throw badInput('username', 'is yourself; a direct room is between two people');
  await assertMayOpenDirectRoom(prisma, me.id, other);
  const nameKey = directRoomKey(me.id, other.id);
  const members: [string, string] = [me.id, other.id];
  const existing = await prisma.room.findUnique({ where: { nameKey } });
  if (existing) return { room: existing, created: false, members };
  try {
    const names = [me.username, other.username].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    const room = await prisma.room.create({
      data: {
        id: randomUUID(),
        name: names.join(' & '),
        nameKey,
        kind: 'DIRECT',
        createdById: me.id,
        memberCount: 2,
        memberships: { createMany: { data: [{ userId: me.id }, { userId: other.id }] } },
      },
    });
    return { room, created: true, members };
  } catch (error) {
    if (!isUniqueViolation(error, ROOM_NAME_KEY)) throw error;
    return { room: await prisma.room.findUniqueOrThrow({ where: { nameKey } }), created: false, members };
  }
}

// ——— Lists ————————————————————————————————————————————————————————————————————————————————————

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** One more row than the page holds tells whether there is a next page. */
function splitPage<T>(rows: T[], size: number): { rows: T[]; more: boolean } {
  return { rows: rows.slice(0, size), more: rows.length > size };
}

/**
 * `publicRooms`: PUBLIC rooms by name (case-insensitive order), keyset-paged on the name key;
 * `search` keeps the rooms whose name contains it, case-insensitively (% and _ match themselves).
 */
export async function listPublicRooms(
  prisma: Db,
  secret: CursorSecret,
  args: { first?: number | null; after?: string | null; search?: string | null },
  query?: RoomQuery,
): Promise<Connection<Room>> {
  const { size } = parsePageSize({ first: args.first });
  const search = parseRoomSearch(args.search);
  const after =
    args.after != null ? (decodeKeyCursor(secret, args.after, 'publicRooms', 'after', ['string'])[0] as string) : null;
  const found = (await prisma.room.findMany({
    ...selecting(query, { nameKey: true }),
    where: {
      kind: 'PUBLIC',
      nameKey: { gt: after ?? undefined, contains: search ? escapeLike(search) : undefined },
    },
    orderBy: { nameKey: 'asc' },
    take: size + 1,
  })) as Room[];
  const { rows, more } = splitPage(found, size);
  return toConnection(rows, (room) => encodeKeyCursor(secret, 'publicRooms', [room.nameKey]), {
    hasNextPage: more,
    hasPreviousPage: after !== null,
  });
}

function parseActivityCursor(secret: CursorSecret, cursor: string): { at: Date; id: string } {
  const [at, id] = decodeKeyCursor(secret, cursor, 'myRooms', 'after', ['string', 'string']) as [string, string];
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw badInput('after', 'is not a valid cursor');
  return { at: date, id: parseId('after', id) };
}

/**
 * `myRooms`: the viewer's rooms, latest activity first (then by id), keyset-paged. Activity moves
 * rooms up while someone pages, so a room can show up twice or be passed over across pages.
 */
export async function listMyRooms(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  args: { first?: number | null; after?: string | null },
  query?: RoomQuery,
): Promise<Connection<Room>> {
  const userId = requireUser(viewerId);
  const { size } = parsePageSize({ first: args.first });
  const after = args.after != null ? parseActivityCursor(secret, args.after) : null;
  const found = (await prisma.room.findMany({
    ...selecting(query, { id: true, lastActivityAt: true }),
    where: {
      memberships: { some: { userId } },
      ...(after && {
        OR: [{ lastActivityAt: { lt: after.at } }, { lastActivityAt: after.at, id: { lt: after.id } }],
      }),
    },
    orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  })) as Room[];
  const { rows, more } = splitPage(found, size);
  return toConnection(
    rows,
    (room) => encodeKeyCursor(secret, 'myRooms', [room.lastActivityAt.toISOString(), room.id]),
    { hasNextPage: more, hasPreviousPage: after !== null },
  );
}

/** `Room.members`: the members of a room the viewer may read, by username (case-insensitive), keyset-paged. */
export async function listMembers(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  roomId: string,
  args: { first?: number | null; after?: string | null },
  query?: UserQuery,
): Promise<Connection<User>> {
  const id = parseId('roomId', roomId);
  const { size } = parsePageSize({ first: args.first });
  let after: string | null = null;
  if (args.after != null) {
    const [cursorRoom, key] = decodeKeyCursor(secret, args.after, 'members', 'after', ['string', 'string']);
    if (cursorRoom !== id) throw badInput('after', 'is a cursor of another room');
    after = key as string;
  }
  await accessRoom(prisma, viewerId, id, 'room.read');
  const found = await prisma.membership.findMany({
    where: { roomId: id, ...(after !== null && { user: { usernameKey: { gt: after } } }) },
    orderBy: { user: { usernameKey: 'asc' } },
    include: { user: query ? selecting(query, { usernameKey: true }) : true },
    take: size + 1,
  });
  const { rows, more } = splitPage(
    found.map((m) => m.user as User),
    size,
  );
  return toConnection(rows, (user) => encodeKeyCursor(secret, 'members', [id, user.usernameKey]), {
    hasNextPage: more,
    hasPreviousPage: after !== null,
  });
}
