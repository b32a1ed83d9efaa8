import { randomUUID } from 'node:crypto';
import type { ModerationAction, Prisma } from '../generated/prisma/client.js';
import type { Db } from './rooms.js';

/**
 * The audit log of a room: each moderating action (who, what, to whom, why, when), written in the
 * transaction of the change it records, and readable by the room's owners.
 */
export interface AuditEntry {
  roomId: string;
  actorId: string;
  action: ModerationAction;
  targetUserId?: string | null;
  targetMessageId?: string | null;
  reason?: string | null;
  details?: Prisma.InputJsonValue;
}

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.roomAuditEntry.create({
    data: {
      id: randomUUID(),
      roomId: entry.roomId,
      actorId: entry.actorId,
      action: entry.action,
      targetUserId: entry.targetUserId ?? null,
      targetMessageId: entry.targetMessageId ?? null,
      reason: entry.reason ?? null,
      ...(entry.details !== undefined ? { details: entry.details } : {}),
    },
  });
}
