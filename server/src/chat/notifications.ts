import { randomUUID } from 'node:crypto';
import { badInput } from '../errors.js';
import { Prisma, type Notification, type NotificationKind } from '../generated/prisma/client.js';
import { type Connection, type CursorSecret, decodeKeyCursor, encodeKeyCursor, toConnection } from './cursor.js';
import { requireUser } from './policy.js';
import type { Db } from './rooms.js';
import { parseId, parsePageSize } from './validation.js';

/**
 * The notification inbox. A notification is written in the transaction (or statement) of what
 * caused it: a mention, a reply in a thread the user took part in, a message in a DIRECT room, an
 * invitation, a friend request. Never for one's own acts, nor from a user one has blocked. With it
 * goes one push outbox row per push subscription of the recipient (integrations/push.ts sends them).
 */

/** What a new notification names; published to the recipient once the transaction committed. */
export interface NewNotification {
  id: string;
  userId: string;
}

/** At most this many ids in one markNotificationsRead. */
export const MARK_READ_MAX = 100;

/**
 * Writes one notification of `kind` for `userId`, caused by `actorId`, unless it is their own act or
 * they have blocked the actor (null then), with its push outbox rows, in one statement.
 */
export async function notify(
  db: Db,
  input: { userId: string; kind: NotificationKind; actorId: string; roomId?: string | null; messageId?: string | null },
): Promise<NewNotification | null> {
  const { userId, kind, actorId } = input;
  const rows = await db.$queryRaw<NewNotification[]>`
    WITH made AS (
      INSERT INTO notifications (id, user_id, kind, actor_id, room_id, message_id, created_at)
      SELECT ${randomUUID()}::uuid, ${userId}::uuid, ${kind}::"NotificationKind", ${actorId}::uuid,
             ${input.roomId ?? null}::uuid, ${input.messageId ?? null}::uuid, clock_timestamp()
      WHERE ${userId}::uuid <> ${actorId}::uuid
        AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ${userId}::uuid AND blocked_id = ${actorId}::uuid)
      RETURNING id, user_id
    ), ${queuePushes('made')}
    SELECT id, user_id AS "userId" FROM made`;
  return rows[0] ?? null;
}

/** The push outbox CTE (`pushed`) for the notifications of CTE `made`: one row per subscription. */
function queuePushes(made: string): Prisma.Sql {
  return Prisma.sql`pushed AS (
      INSERT INTO push_deliveries (notification_id, subscription_id)
      SELECT ${Prisma.raw(made)}.id, push_subscriptions.id
      FROM ${Prisma.raw(made)} JOIN push_subscriptions ON push_subscriptions.user_id = ${Prisma.raw(made)}.user_id
    )`;
}

/** What a message may notify of, as the send statement knows it. */
export interface MessageNotifying {
  /** The CTE of the members it mentions (it returns `user_id`); null when the body names no one. */
  mentioned: string | null;
  /** It replies in a thread. */
  reply: boolean;
  /** Its room is DIRECT, or not known not to be. */
  mayBeDirect: boolean;
}

/**
 * The CTEs (`notified`, `pushed`) of the send statement (chat/messages.ts) that notify, for the
 * message of CTE `stored`: the members it mentions, the members who started or replied in its
 * thread, and the other member of a DIRECT room. One notification per user, the first kind of
 * MENTION, REPLY, DIRECT_MESSAGE that applies; never the author, never someone who blocked the
 * author, only members of the room now. Only the kinds that may apply are written into the
 * statement, and nothing (null) when none may: PostgreSQL opens and locks every table and index a
 * statement may write to, whether or not it writes a row. An edit's statement uses it too, for the
 * members it newly names; its notifications are of the edit's time (`at`: 'now'), not the message's.
 */
export function messageNotifications(
  stored: string,
  notifying: MessageNotifying,
  at: 'stored' | 'now' = 'stored',
): Prisma.Sql | null {
  const s = Prisma.raw(stored);
  const kinds: Prisma.Sql[] = [];
  if (notifying.mentioned !== null) {
    const m = Prisma.raw(notifying.mentioned);
    kinds.push(Prisma.sql`SELECT ${m}.user_id, 'MENTION'::"NotificationKind" AS kind, 1 AS rank FROM ${m}`);
  }
  if (notifying.reply) {
    kinds.push(Prisma.sql`SELECT t.author_id AS user_id, 'REPLY'::"NotificationKind" AS kind, 2 AS rank
          FROM messages t WHERE t.id = ${s}.thread_root_id OR t.thread_root_id = ${s}.thread_root_id`);
  }
  if (notifying.mayBeDirect) {
    kinds.push(Prisma.sql`SELECT dm.user_id, 'DIRECT_MESSAGE'::"NotificationKind" AS kind, 3 AS rank
          FROM memberships dm JOIN rooms ON rooms.id = dm.room_id
          WHERE dm.room_id = ${s}.room_id AND rooms.kind = 'DIRECT'`);
  }
  if (kinds.length === 0) return null;
  return Prisma.sql`notified AS (
      INSERT INTO notifications (id, user_id, kind, actor_id, room_id, message_id, created_at)
      SELECT gen_random_uuid(), recipient.user_id, recipient.kind, ${s}.author_id, ${s}.room_id, ${s}.id,
             ${at === 'now' ? Prisma.sql`clock_timestamp()` : Prisma.sql`${s}.created_at`}
      FROM ${s}, LATERAL (
        SELECT DISTINCT ON (c.user_id) c.user_id, c.kind FROM (${Prisma.join(kinds, ' UNION ALL ')}) c
        WHERE c.user_id <> ${s}.author_id
          AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.room_id = ${s}.room_id AND ms.user_id = c.user_id)
          AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocks.blocker_id = c.user_id AND blocks.blocked_id = ${s}.author_id)
        ORDER BY c.user_id, c.rank
      ) recipient
      RETURNING id, user_id
    ), ${queuePushes('notified')}`;
}

/**
 * The notifications the viewer sees: none from users they blocked (they may have come before the
 * block), and none about a PRIVATE or DIRECT room they no longer belong to (an invitation excepted:
 * it is to a room they are not in yet).
 */
export const visibleNotifications = (userId: string) =>
  ({
    actor: { blockedBy: { none: { blockerId: userId } } },
    OR: [
      { roomId: null },
      { kind: 'INVITATION' },
      { room: { kind: 'PUBLIC' } },
      { room: { memberships: { some: { userId } } } },
    ],
  }) satisfies Prisma.NotificationWhereInput;

export type NotificationQuery = {
  select?: Prisma.NotificationSelect | null;
  include?: Prisma.NotificationInclude | null;
};

/** `notifications`: the viewer's, newest first, keyset-paged on (createdAt, id); `unreadOnly` keeps unread ones. */
export async function listNotifications(
  db: Db,
  secret: CursorSecret,
  viewerId: string | null,
  args: { first?: number | null; after?: string | null; unreadOnly?: boolean | null },
  query?: NotificationQuery,
): Promise<Connection<Notification>> {
  const userId = requireUser(viewerId);
  const { size } = parsePageSize({ first: args.first });
  let after: { at: Date; id: string } | null = null;
  if (args.after != null) {
    const [at, id] = decodeKeyCursor(secret, args.after, 'notifications', 'after', ['string', 'string']) as [
      string,
      string,
    ];
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) throw badInput('after', 'is not a valid cursor');
    after = { at: date, id: parseId('after', id) };
  }
  const select = query?.select ? { ...query.select, id: true, createdAt: true } : undefined;
  const found = (await db.notification.findMany({
    ...(select ? { select } : query?.include ? { include: query.include } : {}),
    where: {
      userId,
      ...(args.unreadOnly ? { readAt: null } : {}),
      ...visibleNotifications(userId),
      ...(after && {
        AND: [{ OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] }],
      }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: size + 1,
  })) as Notification[];
  const rows = found.slice(0, size);
  return toConnection(rows, (n) => encodeKeyCursor(secret, 'notifications', [n.createdAt.toISOString(), n.id]), {
    hasNextPage: found.length > size,
    hasPreviousPage: after !== null,
  });
}

/** `unreadNotificationCount`: the viewer's unread notifications (not those from users they blocked). */
export function unreadNotificationCount(db: Db, viewerId: string | null): Promise<number> {
  const userId = requireUser(viewerId);
  return db.notification.count({ where: { userId, readAt: null, ...visibleNotifications(userId) } });
}

/**
 * Marks the viewer's notifications read: those of `ids` (1–100), or `all` of them. Exactly one of
 * the two. Ids of others' notifications, or of read ones, change nothing. Returns how many changed.
 */
export async function markNotificationsRead(
  db: Db,
  viewerId: string | null,
  input: { ids?: readonly string[] | null; all?: boolean | null },
): Promise<number> {
  const userId = requireUser(viewerId);
  const all = input.all === true;
  if (all && input.ids != null) throw badInput('ids', 'cannot be given together with all');
  if (!all && input.ids == null) throw badInput('ids', 'or all is required');
  if (!all) {
    if (input.ids!.length === 0) throw badInput('ids', 'must name at least one notification');
    if (input.ids!.length > MARK_READ_MAX) throw badInput('ids', `may name at most ${MARK_READ_MAX} notifications`);
  }
  const { count } = await db.notification.updateMany({
    where: { userId, readAt: null, ...(all ? {} : { id: { in: [...input.ids!] } }) },
    data: { readAt: new Date() },
  });
  return count;
}
