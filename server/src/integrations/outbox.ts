import { Prisma, type WebhookEvent } from '../generated/prisma/client.js';

/**
 * The webhook outbox: a change that webhooks hear of queues one delivery row per subscribed,
 * active webhook of its room, in the same statement (or transaction) as the change itself, so a
 * crash can lose neither without the other. The delivery worker (delivery.ts) sends the rows.
 *
 * A room without webhooks costs nothing more than an index lookup inside the statement it is part
 * of: no extra round trip.
 */

export type { WebhookEvent };

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'MESSAGE_CREATED',
  'MESSAGE_EDITED',
  'MESSAGE_DELETED',
  'MEMBER_JOINED',
  'MEMBER_LEFT',
  'REACTION_CHANGED',
];

/** The `type` of a delivered event: `message.created`, `member.joined`, `reaction.changed`… */
export const eventType = (event: WebhookEvent) => event.toLowerCase().replace('_', '.');

/** SQL for the global id (what the API shows as `id`) of a `typename` whose uuid is `column`. */
const globalId = (typename: 'Room' | 'Message' | 'User', column: string) =>
  `encode(convert_to('${typename}:' || ${column}, 'UTF8'), 'base64')`;
/** SQL for a timestamptz `column` as the API's DateTime (ISO-8601, UTC, milliseconds). */
const isoTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** SQL for a user's public fields (row alias `user`), as the API shows a User. */
const userJson = (user: string) =>
  `json_build_object('id', ${globalId('User', `${user}.id`)}, 'username', ${user}.username,
    'displayName', ${user}.display_name, 'createdAt', ${isoTime(`${user}.created_at`)})`;

/** SQL for a message's fields (row alias `message`, its author's row `author`), as the API shows a Message. */
const messageJson = (message: string, author: string) =>
  `json_build_object(
    'id', ${globalId('Message', `${message}.id`)}, 'roomId', ${globalId('Room', `${message}.room_id`)},
    'seq', ${message}.seq, 'body', ${message}.body, 'createdAt', ${isoTime(`${message}.created_at`)},
    'editedAt', ${isoTime(`${message}.edited_at`)}, 'deletedAt', ${isoTime(`${message}.deleted_at`)},
    'author', ${userJson(author)})`;

/** SQL for the `data` of a message event: `{ message }`, the row `message` with its author `author`. */
export const messageData = (message: string, author: string) =>
  Prisma.raw(`json_build_object('message', ${messageJson(message, author)})`);

/**
 * SQL for the `data` of a reaction event, as the API's `ReactionChanged` shows it:
 * `{ message, user, emoji, added }`.
 */
export const reactionData = (messageId: string, userId: string, emoji: string, added: boolean) =>
  Prisma.sql`(SELECT json_build_object('message', ${Prisma.raw(messageJson('message', 'author'))},
      'user', ${Prisma.raw(userJson('reactor'))}, 'emoji', ${emoji}::text, 'added', ${added}::boolean)
    FROM messages message JOIN users author ON author.id = message.author_id, users reactor
    WHERE message.id = ${messageId}::uuid AND reactor.id = ${userId}::uuid)`;

/** SQL for the `data` of a member event: `{ user }`, the user `userId`. */
export const memberData = (userId: string) =>
  Prisma.sql`(SELECT json_build_object('user', ${Prisma.raw(userJson('users'))}) FROM users WHERE users.id = ${userId}::uuid)`;

/**
 * Common table expressions (to follow others in a WITH list) that queue `event` for every active
 * webhook of the room subscribed to it. `source` is a query of one row: `room_id` (uuid) and
 * `data` (json), which may read the statement's earlier CTEs; no row, nothing queued. Each
 * webhook's next seq is taken from its row in the same statement, so seqs have no gaps or repeats.
 */
export function queueWebhookEvent(event: WebhookEvent, source: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`webhook_source AS (${source}),
    webhook_targets AS (
      UPDATE webhooks SET last_seq = webhooks.last_seq + 1
      FROM webhook_source
      WHERE webhooks.room_id = webhook_source.room_id AND webhooks.active
        AND ${event}::"WebhookEvent" = ANY(webhooks.events)
      RETURNING webhooks.id, webhooks.last_seq, webhooks.room_id
    ),
    webhook_outbox AS (
      INSERT INTO webhook_deliveries (id, webhook_id, seq, event, payload, next_attempt_at, created_at)
      SELECT gen_random_uuid(), webhook_targets.id, webhook_targets.last_seq, ${event}::"WebhookEvent",
             jsonb_build_object(
               'room', jsonb_build_object('id', ${Prisma.raw(globalId('Room', 'rooms.id'))}, 'name', rooms.name),
               'data', webhook_source.data),
             clock_timestamp(), clock_timestamp()
      FROM webhook_targets
      JOIN webhook_source ON webhook_source.room_id = webhook_targets.room_id
      JOIN rooms ON rooms.id = webhook_targets.room_id
    )`;
}

/** What runs a statement: the Prisma client or an interactive transaction's client. */
interface Executor {
  $executeRaw(query: Prisma.Sql): Prisma.PrismaPromise<number>;
}

/**
 * Queues `event` of a room for its webhooks, in one statement, inside the caller's transaction
 * (pass the transaction's client): for changes made with Prisma's client (joins, leaves).
 * `data` is the event's `data` as the API shows it: a JSON-able object, or an SQL expression
 * giving it (a scalar subquery, say).
 */
export async function enqueueWebhookEvent(
  db: Executor,
  event: WebhookEvent,
  roomId: string,
  data: object | Prisma.Sql,
): Promise<void> {
  const value = data instanceof Prisma.Sql ? data : Prisma.sql`${JSON.stringify(data)}::json`;
  await db.$executeRaw(
    Prisma.sql`WITH ${queueWebhookEvent(event, Prisma.sql`SELECT ${roomId}::uuid AS room_id, ${value} AS data`)} SELECT 1`,
  );
}
