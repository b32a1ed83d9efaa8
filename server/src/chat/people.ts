import { Readable } from 'node:stream';
import { AppError, badInput, conflict } from '../errors.js';
import { validDisplayName } from '../auth/validation.js';
import type { Config } from '../config.js';
import type { DirectMessagePolicy, Prisma, PrismaClient, User } from '../generated/prisma/client.js';
import { THUMBNAIL_TYPE } from '../storage/images.js';
import type { AttachmentStore } from '../storage/store.js';
import { type Connection, type CursorSecret, decodeKeyCursor, encodeKeyCursor, toConnection } from './cursor.js';
import { type NewNotification, notify } from './notifications.js';
import { requireUser } from './policy.js';
import type { Db } from './rooms.js';
import { parseId, parsePageSize, parseUsername } from './validation.js';

/**
 * People: profiles, friends and blocks. The rules of who may reach whom live here: a user's
 * direct-message policy, and blocks, which stop direct rooms, invitations, friend requests and
 * notifications from the blocked user. Functions take the Prisma client and plain arguments.
 */

/** Where the viewer stands with another user. */
export type FriendshipState = 'NONE' | 'REQUESTED' | 'INCOMING' | 'FRIENDS' | 'BLOCKED';

const DIRECT_MESSAGE_POLICIES: readonly DirectMessagePolicy[] = ['EVERYONE', 'FRIENDS'];

/** The user named `username` (NOT_FOUND naming the field), who must not be the viewer (BAD_USER_INPUT). */
async function otherUser(db: Db, viewerId: string, username: string, field = 'username'): Promise<User> {
  const { usernameKey } = parseUsername(username, field);
  const user = await db.user.findUnique({ where: { usernameKey } });
  if (!user) throw new AppError('NOT_FOUND', 'User not found', { field });
  if (user.id === viewerId) throw badInput(field, 'is yourself');
  return user;
}

/** Serialises changes between two users (requests both ways at once), on any replica. */
async function lockPair(tx: Prisma.TransactionClient, a: string, b: string): Promise<void> {
  const key = a < b ? `${a}:${b}` : `${b}:${a}`;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`people:${key}`}::text))`;
}

/** Whether `blockerId` has blocked `blockedId`. */
export async function hasBlocked(db: Db, blockerId: string, blockedId: string): Promise<boolean> {
  const row = await db.block.findUnique({
    where: { blockerId_blockedId: { blockerId, blockedId } },
    select: { blockerId: true },
  });
  return row !== null;
}

export async function areFriends(db: Db, userId: string, otherId: string): Promise<boolean> {
  const row = await db.friendship.findUnique({
    where: { userId_friendId: { userId, friendId: otherId } },
    select: { userId: true },
  });
  return row !== null;
}

/**
 * Whether `senderId` may open a direct room with `recipient`: not when the recipient blocked them
 * (or they blocked the recipient), nor when the recipient takes direct messages from friends only
 * and they are not friends. FORBIDDEN (field `username`) otherwise.
 */
export async function assertMayOpenDirectRoom(
  db: Db,
  senderId: string,
  recipient: Pick<User, 'id' | 'username' | 'directMessagePolicy'>,
): Promise<void> {
  const [blocked, blocking] = await Promise.all([
    hasBlocked(db, recipient.id, senderId),
    hasBlocked(db, senderId, recipient.id),
  ]);
  if (blocked)
    throw new AppError('FORBIDDEN', `${recipient.username} does not take direct messages from you`, {
      field: 'username',
    });
  if (blocking)
    throw new AppError('FORBIDDEN', `You blocked ${recipient.username}; unblock them first`, { field: 'username' });
  if (recipient.directMessagePolicy === 'FRIENDS' && !(await areFriends(db, senderId, recipient.id))) {
    throw new AppError('FORBIDDEN', `${recipient.username} takes direct messages from friends only`, {
      field: 'username',
    });
  }
}

/** An invitation from `inviterId` to `invitee` is refused (FORBIDDEN, field `username`) when the invitee blocked the inviter. */
export async function assertMayInvite(db: Db, inviterId: string, invitee: Pick<User, 'id' | 'username'>) {
  if (await hasBlocked(db, invitee.id, inviterId)) {
    throw new AppError('FORBIDDEN', `${invitee.username} does not take invitations from you`, { field: 'username' });
  }
}

// ——— Profiles ————————————————————————————————————————————————————————————————————————————————

export interface ProfileDeps {
  prisma: PrismaClient;
  store: AttachmentStore;
  settings: Pick<Config['attachments'], 'urlTtlMs'>;
}

export interface ProfileInput {
  /** undefined: unchanged; null or "": none. */
  displayName?: string | null;
  /** undefined: unchanged; null: back to initials; an id: the viewer's own uploaded image. */
  avatarAttachmentId?: string | null;
  directMessagePolicy?: string | null;
}

/**
 * Changes the viewer's profile. An avatar is taken from an image the viewer uploaded (its
 * thumbnail is copied, so the avatar outlives the upload); anything else is BAD_USER_INPUT on
 * avatarAttachmentId, another user's upload FORBIDDEN. Returns the user and the rooms they are in,
 * where the change is told (UserUpdated).
 */
export async function updateProfile(
  deps: ProfileDeps,
  viewerId: string | null,
  input: ProfileInput,
): Promise<{ user: User; roomIds: string[] }> {
  const userId = requireUser(viewerId);
  const data: Prisma.UserUpdateInput = {};
  if (input.displayName !== undefined) data.displayName = validDisplayName(input.displayName);
  if (input.directMessagePolicy !== undefined) {
    const policy = input.directMessagePolicy as DirectMessagePolicy;
    if (!DIRECT_MESSAGE_POLICIES.includes(policy)) {
      throw badInput('directMessagePolicy', 'must be EVERYONE or FRIENDS');
    }
    data.directMessagePolicy = policy;
  }
  let newAvatar: string | null | undefined;
  if (input.avatarAttachmentId !== undefined) {
    newAvatar = input.avatarAttachmentId === null ? null : await copyAvatar(deps, userId, input.avatarAttachmentId);
    data.avatarKey = newAvatar;
  }
  const before = await deps.prisma.user.findUnique({ where: { id: userId }, select: { avatarKey: true } });
  let user: User;
  try {
    user = await deps.prisma.user.update({ where: { id: userId }, data });
  } catch (error) {
    if (newAvatar) await deps.store.delete(newAvatar).catch(() => undefined);
    throw error;
  }
  if (newAvatar !== undefined && before?.avatarKey && before.avatarKey !== newAvatar) {
    await deps.store.delete(before.avatarKey).catch(() => undefined);
  }
  const memberships = await deps.prisma.membership.findMany({ where: { userId }, select: { roomId: true } });
  return { user, roomIds: memberships.map((m) => m.roomId) };
}

/** Copies the thumbnail of the viewer's uploaded image into a new object: the avatar's key. */
async function copyAvatar(deps: ProfileDeps, userId: string, attachmentId: string): Promise<string> {
  const id = parseId('avatarAttachmentId', attachmentId);
  const attachment = await deps.prisma.attachment.findUnique({ where: { id } });
  if (!attachment) throw new AppError('NOT_FOUND', 'Attachment not found', { field: 'avatarAttachmentId' });
  if (attachment.uploaderId !== userId) {
    throw new AppError('FORBIDDEN', 'Only your own uploads can be your avatar', { field: 'avatarAttachmentId' });
  }
  if (!attachment.thumbnailKey) throw badInput('avatarAttachmentId', 'is not an image');
  const source = await deps.store.get(attachment.thumbnailKey);
  if (!source) throw badInput('avatarAttachmentId', 'names an upload that was removed; upload it again');
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk as Uint8Array));
  const bytes = Buffer.concat(chunks);
  return deps.store.put(Readable.from(bytes), { size: bytes.length, contentType: THUMBNAIL_TYPE });
}

/** Avatar keys of users, by id (null: initials). One statement for a batch. */
export async function avatarKeys(db: Db, userIds: readonly string[]): Promise<(string | null)[]> {
  const rows = await db.user.findMany({ where: { id: { in: [...userIds] } }, select: { id: true, avatarKey: true } });
  const byId = new Map(rows.map((r) => [r.id, r.avatarKey]));
  return userIds.map((id) => byId.get(id) ?? null);
}

/** The signed URL of an avatar. */
export function avatarUrl(deps: Pick<ProfileDeps, 'store' | 'settings'>, key: string): Promise<string> {
  return deps.store.signedUrl(
    key,
    { contentType: THUMBNAIL_TYPE, filename: 'avatar.webp', inline: true },
    deps.settings.urlTtlMs,
  );
}

// ——— Friends ———————————————————————————————————————————————————————————————————————————————————

/**
 * Where the viewer stands with each of `userIds`: BLOCKED (the viewer blocked them), FRIENDS,
 * REQUESTED (the viewer asked), INCOMING (they asked), NONE. One statement for a batch.
 */
export async function friendshipStates(
  db: Db,
  viewerId: string,
  userIds: readonly string[],
): Promise<FriendshipState[]> {
  const ids = [...new Set(userIds)];
  const [blocks, friends, sent, received] = await Promise.all([
    db.block.findMany({ where: { blockerId: viewerId, blockedId: { in: ids } }, select: { blockedId: true } }),
    db.friendship.findMany({ where: { userId: viewerId, friendId: { in: ids } }, select: { friendId: true } }),
    db.friendRequest.findMany({ where: { fromId: viewerId, toId: { in: ids } }, select: { toId: true } }),
    db.friendRequest.findMany({ where: { toId: viewerId, fromId: { in: ids } }, select: { fromId: true } }),
  ]);
  const state = new Map<string, FriendshipState>();
  for (const r of received) state.set(r.fromId, 'INCOMING');
  for (const r of sent) state.set(r.toId, 'REQUESTED');
  for (const r of friends) state.set(r.friendId, 'FRIENDS');
  for (const r of blocks) state.set(r.blockedId, 'BLOCKED');
  return userIds.map((id) => state.get(id) ?? 'NONE');
}

async function makeFriends(tx: Prisma.TransactionClient, a: string, b: string): Promise<void> {
  await tx.friendRequest.deleteMany({
    where: {
      OR: [
        { fromId: a, toId: b },
        { fromId: b, toId: a },
      ],
    },
  });
  await tx.friendship.createMany({
    data: [
      { userId: a, friendId: b },
      { userId: b, friendId: a },
    ],
    skipDuplicates: true,
  });
}

/**
 * Asks `username` to be friends. When they already asked the viewer, this accepts: they are
 * friends at once. Refused: oneself (BAD_USER_INPUT), unknown (NOT_FOUND), already friends or
 * already asked (CONFLICT), a user who blocked the viewer or whom the viewer blocked (FORBIDDEN).
 */
export async function sendFriendRequest(
  prisma: PrismaClient,
  viewerId: string | null,
  username: string,
): Promise<{ user: User; notification: NewNotification | null; accepted: boolean }> {
  const userId = requireUser(viewerId);
  const other = await otherUser(prisma, userId, username);
  return prisma.$transaction(async (tx) => {
    await lockPair(tx, userId, other.id);
    if (await hasBlocked(tx, other.id, userId)) {
      throw new AppError('FORBIDDEN', `${other.username} does not take friend requests from you`, {
        field: 'username',
      });
    }
    if (await hasBlocked(tx, userId, other.id)) {
      throw new AppError('FORBIDDEN', `You blocked ${other.username}; unblock them first`, { field: 'username' });
    }
    if (await areFriends(tx, userId, other.id))
      throw conflict(`You are already friends with ${other.username}`, 'username');
    const [sent, received] = await Promise.all([
      tx.friendRequest.findUnique({ where: { fromId_toId: { fromId: userId, toId: other.id } } }),
      tx.friendRequest.findUnique({ where: { fromId_toId: { fromId: other.id, toId: userId } } }),
    ]);
    if (sent) throw conflict(`You already asked ${other.username} to be friends`, 'username');
    if (received) {
      await makeFriends(tx, userId, other.id);
      return { user: other, notification: null, accepted: true };
    }
    await tx.friendRequest.create({ data: { fromId: userId, toId: other.id } });
    const notification = await notify(tx, { userId: other.id, kind: 'FRIEND_REQUEST', actorId: userId });
    return { user: other, notification, accepted: false };
  });
}

/** Accepts or declines the friend request `username` sent the viewer; NOT_FOUND (field `username`) when there is none. */
export async function respondToFriendRequest(
  prisma: PrismaClient,
  viewerId: string | null,
  username: string,
  accept: boolean,
): Promise<User> {
  const userId = requireUser(viewerId);
  const other = await otherUser(prisma, userId, username);
  return prisma.$transaction(async (tx) => {
    await lockPair(tx, userId, other.id);
    const { count } = await tx.friendRequest.deleteMany({ where: { fromId: other.id, toId: userId } });
    if (count === 0) {
      throw new AppError('NOT_FOUND', `${other.username} has not asked you to be friends`, { field: 'username' });
    }
    if (accept) await makeFriends(tx, userId, other.id);
    return other;
  });
}

/**
 * Ends a friendship (both ways), or withdraws the viewer's request to `username`. NOT_FOUND (field
 * `username`) when there is neither.
 */
export async function removeFriend(prisma: PrismaClient, viewerId: string | null, username: string): Promise<User> {
  const userId = requireUser(viewerId);
  const other = await otherUser(prisma, userId, username);
  return prisma.$transaction(async (tx) => {
    await lockPair(tx, userId, other.id);
    const friends = await tx.friendship.deleteMany({
      where: {
        OR: [
          { userId, friendId: other.id },
          { userId: other.id, friendId: userId },
        ],
      },
    });
    const request = await tx.friendRequest.deleteMany({ where: { fromId: userId, toId: other.id } });
    if (friends.count === 0 && request.count === 0) {
      throw new AppError('NOT_FOUND', `${other.username} is not your friend`, { field: 'username' });
    }
    return other;
  });
}

/** Users related to the viewer (friends, or who asked), by username, keyset-paged. */
async function listPeople(
  db: Db,
  secret: CursorSecret,
  scope: 'friends' | 'friendRequests' | 'blockedUsers',
  where: Prisma.UserWhereInput,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<User>> {
  const { size } = parsePageSize({ first: args.first });
  const after =
    args.after != null ? (decodeKeyCursor(secret, args.after, scope, 'after', ['string'])[0] as string) : null;
  const found = await db.user.findMany({
    where: { ...where, ...(after !== null && { usernameKey: { gt: after } }) },
    orderBy: { usernameKey: 'asc' },
    take: size + 1,
  });
  const rows = found.slice(0, size);
  return toConnection(rows, (user) => encodeKeyCursor(secret, scope, [user.usernameKey]), {
    hasNextPage: found.length > size,
    hasPreviousPage: after !== null,
  });
}

/** `friends`: the viewer's friends, by username. */
export function listFriends(
  db: Db,
  secret: CursorSecret,
  viewerId: string | null,
  args: { first?: number | null; after?: string | null },
) {
  const userId = requireUser(viewerId);
  return listPeople(db, secret, 'friends', { friendOf: { some: { userId } } }, args);
}

/** `friendRequests`: the users who asked the viewer to be friends, by username. */
export function listFriendRequests(
  db: Db,
  secret: CursorSecret,
  viewerId: string | null,
  args: { first?: number | null; after?: string | null },
) {
  const userId = requireUser(viewerId);
  return listPeople(db, secret, 'friendRequests', { friendRequestsSent: { some: { toId: userId } } }, args);
}

/** `blockedUsers`: the users the viewer blocked, by username. */
export function listBlockedUsers(
  db: Db,
  secret: CursorSecret,
  viewerId: string | null,
  args: { first?: number | null; after?: string | null },
) {
  const userId = requireUser(viewerId);
  return listPeople(db, secret, 'blockedUsers', { blockedBy: { some: { blockerId: userId } } }, args);
}

// ——— Blocks ————————————————————————————————————————————————————————————————————————————————————

/**
 * Blocks `username`: any friendship and friend requests between them end; from now on they cannot
 * open a direct room with, invite, befriend or notify the viewer, and their messages are flagged
 * `authorBlocked` for the viewer. Blocking again changes nothing.
 */
export async function blockUser(prisma: PrismaClient, viewerId: string | null, username: string): Promise<User> {
  const userId = requireUser(viewerId);
  const other = await otherUser(prisma, userId, username);
  return prisma.$transaction(async (tx) => {
    await lockPair(tx, userId, other.id);
    await tx.block.createMany({ data: [{ blockerId: userId, blockedId: other.id }], skipDuplicates: true });
    const pair = [
      { userId, friendId: other.id },
      { userId: other.id, friendId: userId },
    ];
    await tx.friendship.deleteMany({ where: { OR: pair } });
    await tx.friendRequest.deleteMany({
      where: {
        OR: [
          { fromId: userId, toId: other.id },
          { fromId: other.id, toId: userId },
        ],
      },
    });
    // Their pending invitations to the viewer go, and pushes of their notifications not sent yet.
    await tx.invitation.deleteMany({ where: { userId, invitedById: other.id } });
    await tx.pushDelivery.deleteMany({ where: { notification: { userId, actorId: other.id } } });
    return other;
  });
}

/** Unblocks `username`; unblocking someone not blocked changes nothing. */
export async function unblockUser(prisma: PrismaClient, viewerId: string | null, username: string): Promise<User> {
  const userId = requireUser(viewerId);
  const other = await otherUser(prisma, userId, username);
  await prisma.block.deleteMany({ where: { blockerId: userId, blockedId: other.id } });
  return other;
}

/** Of `authorIds`, which the viewer blocked (a batch of message authors). */
export async function blockedAmong(db: Db, viewerId: string, authorIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.block.findMany({
    where: { blockerId: viewerId, blockedId: { in: [...new Set(authorIds)] } },
    select: { blockedId: true },
  });
  return new Set(rows.map((r) => r.blockedId));
}
