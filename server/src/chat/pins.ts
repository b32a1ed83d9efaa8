import type { PrismaClient } from '../generated/prisma/client.js';
import type { MessageWithAuthor } from './carried.js';
import { deletedMessage, findMessage, type MessageQuery } from './messages.js';
import { assertCan, requireUser } from './policy.js';
import { loadRoomAccess, roomResource, type Db } from './rooms.js';

/**
 * Pinned messages: the room's OWNERs (both people in a DIRECT room) pin and unpin, as the policy
 * says. Pinning a pinned message (or unpinning one that is not) changes nothing (`changed: false`).
 */
export async function setPinned(
  prisma: PrismaClient,
  viewerId: string | null,
  messageId: string,
  pinned: boolean,
): Promise<{ message: MessageWithAuthor; changed: boolean }> {
  const userId = requireUser(viewerId);
  const message = await findMessage(prisma, messageId);
  assertCan({ userId }, 'room.pin', roomResource(await loadRoomAccess(prisma, userId, message.roomId)));
  if (message.deletedAt) throw deletedMessage();
  const { count } = await prisma.message.updateMany({
    where: { id: message.id, deletedAt: null, pinnedAt: pinned ? null : { not: null } },
    data: pinned ? { pinnedAt: new Date(), pinnedById: userId } : { pinnedAt: null, pinnedById: null },
  });
  return { message: count === 1 ? await findMessage(prisma, message.id) : message, changed: count === 1 };
}

/** The pinned messages of a room, the latest pinned first (the caller has checked the room may be read). */
export function pinnedMessages(prisma: Db, roomId: string, query?: MessageQuery) {
  return prisma.message.findMany({
    ...(query ?? {}),
    where: { roomId, pinnedAt: { not: null } },
    orderBy: [{ pinnedAt: 'desc' }, { seq: 'desc' }],
  });
}
