import { createHash, randomUUID } from 'node:crypto';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import { type Attachment, Prisma, type Message, type Room, type RoomKind } from '../generated/prisma/client.js';
import type { Database } from '../infra/db.js';
import {
  type Connection,
  type CursorSecret,
  decodeCursor,
  decodeKeyCursor,
  encodeCursors,
  encodeKeyCursor,
  toConnection,
} from './cursor.js';
import { messageData, queueWebhookEvent, type WebhookEvent } from '../integrations/outbox.js';
import {
  answersMessageQuery,
  attachmentFromJson,
  attachmentJson,
  type Json,
  type MessageWithAuthor,
  PUBLIC_USER_SELECT,
  type PublicUser,
  roomFromJson,
  relationsIn,
  roomJson,
  userFromJson,
  userJson,
  withMentions,
} from './carried.js';
import { assertAttachable, attachToMessage, parseAttachmentIds, UNSENT_TTL_DEFAULT_MS } from './attachments.js';
import { recordAudit } from './audit.js';
import { messageNotifications, type NewNotification } from './notifications.js';
import { assertCan, type MessageResource, requireUser } from './policy.js';
import {
  accessRoom,
  type Db,
  isUniqueViolation,
  loadRoomAccess,
  roomResource,
  selecting,
  type Selection,
  sendAccess,
  type UniqueIndex,
} from './rooms.js';
import { preloadReactions, type ReactionSummary, reactionsOfRow, type RowReactions, withSummary } from './reactions.js';
import {
  mentionedUsernameKeys,
  parseAroundLimit,
  parseBody,
  parseClientMessageId,
  parseId,
  parsePageSize,
  parseSearchText,
  parseSeq,
  parseSinceCount,
} from './validation.js';

/**
 * Messages: sending (the room's next seq, in one statement), editing, soft deletion, read
 * positions, history (keyset on seq), gap recovery and full-text search. Functions take the Prisma
 * client and plain arguments (raw UUIDs) and return Prisma rows.
 */

export type MessageQuery = Selection<Prisma.MessageSelect, Prisma.MessageInclude>;
/** What history reads run on: Prisma for the planned selections, `read` for the flat page. */
export type Reader = Pick<Database, 'prisma' | 'read'>;
/** A message with its author's public columns, when no selection was planned. */
const WITH_AUTHOR = { include: { author: { select: PUBLIC_USER_SELECT } } } satisfies MessageQuery;

const CLIENT_MESSAGE_ID: UniqueIndex = {
  index: 'messages_author_id_client_message_id_key',
  columns: ['author_id', 'client_message_id'],
};

// ——— Sending ——————————————————————————————————————————————————————————————————————————————————

interface NewMessage {
  roomId: string;
  authorId: string;
  body: string;
  clientMessageId: string | null;
  /** Uploads to attach, in order (checked by assertAttachable), and the settings that bound them. */
  attachments: { ids: string[]; settings: AttachmentSettings };
  /** A reply's thread root: a checked top-level message of the same room. */
  threadRootId: string | null;
}

/**
 * The members of room `roomId` whose username keys are `usernameKeys` (their user ids, as
 * `user_id`): the mentions a message keeps as rows, resolved once when it is stored (and again
 * when edited), from the names its body gives (mentionedUsernameKeys).
 */
function mentionedMembers(room: Prisma.Sql, usernameKeys: readonly string[]): Prisma.Sql {
  return Prisma.sql`
    SELECT memberships.user_id FROM memberships JOIN users ON users.id = memberships.user_id
    WHERE memberships.room_id = ${room}
      AND users.username_key = ANY(string_to_array(${usernameKeys.join(',')}::text, ','))`;
}
type AttachmentSettings = Parameters<typeof assertAttachable>[1];

/**
 * Stores a message under the room's next seq, in one statement (so one transaction): the UPDATE
 * takes the room row's lock and bumps last_seq, the INSERT uses it, and the sender's read position
 * moves to it. Concurrent senders, on any number of replicas, queue on the room row, so seqs are
 * 1, 2, 3… with no repeat; a failed INSERT (e.g. a clientMessageId that raced in) rolls the bump
 * back with it, so there is no gap. A reply counts on its thread's root, and the members it
 * mentions are stored with it. Returns null when the author is not a member (or no room), is muted,
 * or the room is archived.
 */
/** A message just stored, and the notifications its statement wrote (to publish once it committed). */
interface Stored {
  message: MessageWithAuthor;
  notifications: NewNotification[];
}

/**
 * What this process learnt of a room from the latest message it stored there, the oldest rooms
 * forgotten first past KNOWN_ROOMS_KEPT. Its kind never changes. Whether it had a webhook for new
 * messages may, so a send that relies on there being none checks it on the room row it locks, and
 * stores nothing when a webhook came since (the room is then forgotten, and the send made again).
 */
interface KnownRoom {
  kind: RoomKind;
  messageWebhooks: boolean;
}
const knownRooms = new Map<string, KnownRoom>();
const KNOWN_ROOMS_KEPT = 10_000;
function learnRoom(roomId: string, room: KnownRoom) {
  if (!knownRooms.delete(roomId) && knownRooms.size >= KNOWN_ROOMS_KEPT) {
    knownRooms.delete(knownRooms.keys().next().value!);
  }
  knownRooms.set(roomId, room);
}

/** Runs one statement: through the driver (`Reader.read`), or in a Prisma transaction. */
type Statement = <T>(statement: Prisma.Sql) => Promise<T[]>;

async function storeWithNextSeq(run: Statement, message: NewMessage, unlessSlowMode = false): Promise<Stored | null> {
  const { roomId, authorId, body, clientMessageId, threadRootId } = message;
  // The statement carries only the parts this message needs: PostgreSQL opens and locks every
  // table and index a statement may write to, whether or not it writes a row. A plain message has
  // no thread to count on nor mentions to store; in a room known not to be DIRECT it has no one to
  // notify, and in one known to have no webhook for it, nothing to queue (checked on the room row).
  const usernameKeys = mentionedUsernameKeys(body);
  const mentions = usernameKeys.length > 0;
  const reply = threadRootId !== null;
  const known = knownRooms.get(roomId);
  const withoutWebhooks = known?.messageWebhooks === false;
  const notifying = messageNotifications('stored', {
    mentioned: mentions ? 'mentioned' : null,
    reply,
    mayBeDirect: (known?.kind ?? 'DIRECT') === 'DIRECT',
  });
  const parts: Prisma.Sql[] = [];
  if (reply) {
    parts.push(Prisma.sql`thread AS (
      UPDATE messages SET reply_count = messages.reply_count + 1, last_reply_at = stored.created_at
      FROM stored WHERE messages.id = stored.thread_root_id
    )`);
  }
  if (mentions) {
    parts.push(Prisma.sql`mentioned AS (
      INSERT INTO message_mentions (message_id, user_id, created_at)
      SELECT stored.id, member.user_id, stored.created_at FROM stored, (${mentionedMembers(Prisma.sql`${roomId}::uuid`, usernameKeys)}) AS member
      RETURNING user_id
    )`);
  }
  if (notifying) parts.push(notifying);
  if (!withoutWebhooks) parts.push(messageEvent('MESSAGE_CREATED', 'stored'));
  const notificationsJson = notifying ? NOTIFIED_JSON : Prisma.sql`NULL::json`;
  const mentionsJson = mentions
    ? Prisma.sql`(SELECT json_agg(${MENTIONED_JSON} ORDER BY mentioned_user.username_key)
        FROM mentioned JOIN users AS mentioned_user ON mentioned_user.id = mentioned.user_id)`
    : Prisma.sql`NULL::json`;
  const rows = await run<
    StoredRow & {
      notifications: NewNotification[] | null;
      room: Json<Room>;
      messageWebhooks: boolean;
      mentions: Json<PublicUser>[] | null;
    }
  >(Prisma.sql`
    WITH next AS (
      UPDATE rooms SET last_seq = last_seq + 1, last_activity_at = clock_timestamp()
      WHERE id = ${roomId}::uuid
        AND archived_at IS NULL
        ${withoutWebhooks ? Prisma.sql`AND NOT 'MESSAGE_CREATED' = ANY(webhook_events)` : Prisma.empty}
        AND EXISTS (SELECT 1 FROM memberships WHERE room_id = ${roomId}::uuid AND user_id = ${authorId}::uuid
                    AND (muted_until IS NULL OR muted_until <= clock_timestamp())
                    ${unlessSlowMode ? Prisma.sql`AND (rooms.slow_mode_seconds = 0 OR memberships.role <> 'MEMBER')` : Prisma.empty})
      RETURNING *
    ), stored AS (
      INSERT INTO messages (id, room_id, seq, author_id, body, client_message_id, created_at, thread_root_id)
      SELECT ${randomUUID()}::uuid, ${roomId}::uuid, next.last_seq, ${authorId}::uuid, ${body}::text,
             ${clientMessageId}::text, next.last_activity_at, ${threadRootId}::uuid
      FROM next
      RETURNING ${RETURNING_MESSAGE}
    ), seen AS (
      UPDATE memberships SET last_read_seq = GREATEST(last_read_seq, stored.seq)
      FROM stored WHERE memberships.room_id = stored.room_id AND memberships.user_id = stored.author_id
    )${parts.length > 0 ? Prisma.sql`, ${Prisma.join(parts, ', ')}` : Prisma.empty}
    SELECT ${storedRowColumns.stored},
           ${notificationsJson} AS notifications,
           (SELECT ${ROOM_JSON} FROM next) AS room,
           (SELECT 'MESSAGE_CREATED' = ANY(webhook_events) FROM next) AS "messageWebhooks",
           ${mentionsJson} AS mentions
    FROM stored JOIN users ON users.id = stored.author_id`);
  const row = rows[0];
  if (!row) {
    // Perhaps a webhook came: what follows (sendMessage's checks, then this again) must not assume.
    if (withoutWebhooks) knownRooms.delete(roomId);
    return null;
  }
  // What the statement knew besides the row travels with the message (carried.ts): its room as of
  // this message, its mentions, and its attachments (none yet; `store` adds those it attaches).
  const stored = withMentions(withAuthor(row), (row.mentions ?? []).map(userFromJson));
  stored.room = roomFromJson(row.room);
  learnRoom(roomId, { kind: stored.room.kind, messageWebhooks: row.messageWebhooks });
  stored.attachments = [];
  return { message: stored, notifications: row.notifications ?? [] };
}

/**
 * The webhook outbox's CTEs for a message event of the message CTE `message` (a row of `messages`
 * stored or changed by the statement): nothing when the room has no webhook for it.
 */
const messageEvent = (event: WebhookEvent, message: 'stored' | 'changed') =>
  queueWebhookEvent(
    event,
    Prisma.sql`SELECT ${Prisma.raw(message)}.room_id, ${messageData(message, 'author')} AS data
      FROM ${Prisma.raw(message)} JOIN users author ON author.id = ${Prisma.raw(message)}.author_id`,
  );

/** A message and its author's public columns, as one row of a join. */
export type StoredRow = Message & {
  authorUsername: string;
  authorDisplayName: string | null;
  authorAvatarKey: string | null;
  authorCreatedAt: Date;
};

/** The select list of a `StoredRow`: the message row named `message`, joined with its author as `users`. */
const selectStoredRow = (message: 'stored' | 'changed' | 'page' | 'reacted') =>
  Prisma.raw(`${message}.id, ${message}.room_id AS "roomId", ${message}.seq, ${message}.author_id AS "authorId",
    ${message}.body, ${message}.client_message_id AS "clientMessageId", ${message}.created_at AS "createdAt",
    ${message}.edited_at AS "editedAt", ${message}.deleted_at AS "deletedAt", ${message}.thread_root_id AS "threadRootId",
    ${message}.reply_count AS "replyCount", ${message}.last_reply_at AS "lastReplyAt", ${message}.pinned_at AS "pinnedAt",
    ${message}.pinned_by_id AS "pinnedById", users.username AS "authorUsername",
    users.display_name AS "authorDisplayName", users.avatar_key AS "authorAvatarKey", users.created_at AS "authorCreatedAt"`);
/** The message columns a `StoredRow` selects, as the RETURNING list of a statement writing `messages`. */
const RETURNING_MESSAGE = Prisma.raw(
  `id room_id seq author_id body client_message_id created_at edited_at deleted_at thread_root_id reply_count
   last_reply_at pinned_at pinned_by_id`
    .split(/\s+/)
    .map((column) => `messages.${column}`)
    .join(', '),
);
/** The notifications a send's or an edit's statement wrote (its `notified` CTE), as a JSON array. */
const NOTIFIED_JSON = Prisma.sql`(SELECT json_agg(json_build_object('id', notified.id, 'userId', notified.user_id)) FROM notified)`;
/** The send statement's room (its `next` CTE) and mentioned users, as JSON objects. */
const ROOM_JSON = roomJson('next');
const MENTIONED_JSON = userJson('mentioned_user');

/** Built once: the send statement's, an edit's or delete's, a reaction's, and the history page's (a hot path). */
export const storedRowColumns = {
  stored: selectStoredRow('stored'),
  changed: selectStoredRow('changed'),
  reacted: selectStoredRow('reacted'),
  page: selectStoredRow('page'),
};

export function withAuthor(row: StoredRow): MessageWithAuthor {
  // Field by field rather than a rest spread: a page maps 51 of these, and the row has more columns.
  return {
    id: row.id,
    roomId: row.roomId,
    seq: row.seq,
    authorId: row.authorId,
    body: row.body,
    clientMessageId: row.clientMessageId,
    createdAt: row.createdAt,
    editedAt: row.editedAt,
    deletedAt: row.deletedAt,
    threadRootId: row.threadRootId,
    replyCount: row.replyCount,
    lastReplyAt: row.lastReplyAt,
    pinnedAt: row.pinnedAt,
    pinnedById: row.pinnedById,
    author: {
      id: row.authorId,
      username: row.authorUsername,
      displayName: row.authorDisplayName,
      avatarKey: row.authorAvatarKey,
      createdAt: row.authorCreatedAt,
    },
  };
}

/**
 * A row of a history page: the room and the viewer's membership beside each message (all null
 * without one), and the message's reactions when asked for.
 */
type PageRow = StoredRow & {
  roomKind: RoomKind;
  roomLastSeq: number;
  isMember: boolean;
  room?: Json<Room>;
  attachments?: Json<Attachment>[] | null;
  mentions?: Json<PublicUser>[] | null;
} & Partial<RowReactions>;

/**
 * What a page of messages is read with: the request's Prisma selection (absent: the message and
 * its author), and whether its reactions and its mentions come in the same statement.
 */
export interface PageSelection {
  query?: MessageQuery;
  reactions?: boolean;
  mentions?: boolean;
}

/** The message the author already sent with this clientMessageId, if any. */
function findByClientMessageId(
  prisma: Db,
  authorId: string,
  clientMessageId: string,
): Promise<MessageWithAuthor | null> {
  return prisma.message.findUnique({
    ...WITH_AUTHOR,
    where: { authorId_clientMessageId: { authorId, clientMessageId } },
  });
}

/**
 * The message the author already stored in `roomId` under this clientMessageId, if any: a resend
 * whose first answer was lost, which deserves that answer even when a limit would refuse a new send.
 */
export async function storedBefore(
  db: Reader,
  authorId: string,
  roomId: string,
  clientMessageId: string,
): Promise<MessageWithAuthor | null> {
  const original = await findByClientMessageId(db.prisma, authorId, clientMessageId);
  return original?.roomId === roomId ? original : null;
}

/** A retry: the original message, as long as it was sent to the same room. */
function replay(original: Message, roomId: string): { message: Message; created: false } {
  if (original.roomId !== roomId) {
    throw conflict('clientMessageId was already used for a message in another room', 'clientMessageId');
  }
  return { message: original, created: false };
}

/**
 * Stores the message; with attachments, in one transaction with attaching them (a failure to
 * attach takes the message and its seq back with it).
 */
function store(db: Reader, message: NewMessage, unlessSlowMode: boolean): Promise<Stored | null> {
  const { ids, settings } = message.attachments;
  // Prepared: the send statement's parsing and planning cost PostgreSQL more than running it.
  if (ids.length === 0)
    return storeWithNextSeq((statement) => db.read(statement, { prepare: true }), message, unlessSlowMode);
  return db.prisma.$transaction(async (tx) => {
    const stored = await storeWithNextSeq((statement) => tx.$queryRaw(statement), message, unlessSlowMode);
    if (stored) stored.message.attachments = await attachToMessage(tx, settings, stored.message, ids);
    return stored;
  });
}

/**
 * Stores the message, or finds the original when the clientMessageId is already taken. Null when
 * the statement stored nothing (see storeWithNextSeq; `unlessSlowMode`: also when slow mode
 * applies to the author).
 */
async function storeOrReplay(db: Reader, message: NewMessage, unlessSlowMode = false) {
  try {
    const stored = await store(db, message, unlessSlowMode);
    return stored && { ...stored, created: true as const };
  } catch (error) {
    // A retry (or a retry racing the first attempt): the unique (author, clientMessageId) index
    // refused the second row and its seq bump was rolled back with it.
    if (!message.clientMessageId || !isUniqueViolation(error, CLIENT_MESSAGE_ID)) throw error;
    const original = await findByClientMessageId(db.prisma, message.authorId, message.clientMessageId);
    if (!original) throw error;
    return { ...replay(original, message.roomId), notifications: [] };
  }
}

/**
 * Slow mode's budget: one message per member per `seconds` in a room, shared by every replica.
 * `take` spends it, or throws RATE_LIMITED (with retryAfterMs) when the member sent too recently.
 */
export interface SlowMode {
  take(roomId: string, userId: string, seconds: number): Promise<void>;
}

/**
 * Sends a message to a room the viewer may write to (a member, not muted, the room not archived;
 * one message per slowModeSeconds for MEMBERs), with the viewer's uploads to that room
 * (`attachmentIds`; the body may then be empty). The same clientMessageId from the same author
 * returns the original message and stores nothing (`created: false`: publish nothing); reusing it
 * for another room is CONFLICT.
 */
export async function sendMessage(
  db: Reader,
  viewerId: string | null,
  input: {
    roomId: string;
    body: string;
    clientMessageId?: string | null;
    attachmentIds?: readonly string[] | null;
    threadRootId?: string | null;
  },
  attachmentSettings: AttachmentSettings = { unsentTtlMs: UNSENT_TTL_DEFAULT_MS },
  slowMode?: SlowMode,
): Promise<{ message: Message | MessageWithAuthor; created: boolean; notifications: NewNotification[] }> {
  const authorId = requireUser(viewerId);
  const roomId = parseId('roomId', input.roomId);
  const attachmentIds = parseAttachmentIds(input.attachmentIds);
  const body = parseBody(input.body, attachmentIds.length > 0);
  const clientMessageId = parseClientMessageId(input.clientMessageId);
  const attachments = { ids: attachmentIds, settings: attachmentSettings };
  // The common send (text, not a reply, no slow mode for the author) is the store statement alone:
  // it stores nothing unless the author may send, and a clientMessageId already used fails its
  // unique index, which storeOrReplay turns into the replay. Anything else takes the checks below.
  if (attachmentIds.length === 0 && input.threadRootId == null) {
    const message: NewMessage = { roomId, authorId, body, clientMessageId, attachments, threadRootId: null };
    const sent = await storeOrReplay(db, message, true);
    if (sent) return sent;
  }
  const prisma = db.prisma;
  if (clientMessageId) {
    const original = await findByClientMessageId(prisma, authorId, clientMessageId);
    if (original) return { ...replay(original, roomId), notifications: [] };
  }
  const { slowModeSeconds, role } = await sendAccess(prisma, authorId, roomId);
  await assertAttachable(prisma, attachmentSettings, authorId, roomId, attachmentIds);
  const threadRootId = input.threadRootId != null ? await threadRootOf(prisma, roomId, input.threadRootId) : null;
  // Owners and moderators are exempt; the budget is spent last, once the message is otherwise good.
  if (slowMode && slowModeSeconds > 0 && role === 'MEMBER') {
    await slowMode.take(roomId, authorId, slowModeSeconds);
  }
  const message: NewMessage = { roomId, authorId, body, clientMessageId, attachments, threadRootId };
  return (await storeOrReplay(db, message)) ?? (await refuseOrRetry(db, message));
}

/**
 * The id of a reply's thread root: a top-level message of the same room that is not deleted;
 * BAD_USER_INPUT on threadRootId otherwise (a message of another room is not told apart from none).
 */
async function threadRootOf(prisma: Db, roomId: string, threadRootId: string): Promise<string> {
  const id = parseId('threadRootId', threadRootId);
  const root = await prisma.message.findUnique({
    where: { id },
    select: { roomId: true, threadRootId: true, deletedAt: true },
  });
  if (!root || root.roomId !== roomId) throw badInput('threadRootId', 'is not a message of this room');
  if (root.threadRootId) throw badInput('threadRootId', 'is a reply; a thread is started from a top-level message');
  if (root.deletedAt) throw badInput('threadRootId', 'is a deleted message');
  return id;
}

/** Nothing was stored: NOT_FOUND or FORBIDDEN says why, unless the viewer joined in between. */
async function refuseOrRetry(db: Reader, message: NewMessage) {
  await accessRoom(db.prisma, message.authorId, message.roomId, 'room.send');
  const sent = await storeOrReplay(db, message);
  if (!sent) throw forbidden('Only members can send messages to this room');
  return sent;
}

// ——— Editing and deleting ——————————————————————————————————————————————————————————————————————

export const deletedMessage = () => badInput('messageId', 'is a deleted message');

export async function findMessage(prisma: Db, messageId: string): Promise<MessageWithAuthor> {
  const message = await prisma.message.findUnique({ ...WITH_AUTHOR, where: { id: parseId('messageId', messageId) } });
  if (!message) throw notFound('Message');
  return message;
}

/**
 * A message as a live event about it delivers it on each replica, in one statement: its row, its
 * author's public columns, its room, its attachments, the users it mentions, and its reaction
 * summary, with which its reactions need no statement of their own for any viewer (reactions.ts,
 * `preloadedReactions`). What the SDK and the web app select of a message is all there. Null when
 * there is no such message.
 */
export async function readLiveMessage(db: Pick<Reader, 'read'>, messageId: string): Promise<MessageWithAuthor | null> {
  const rows = await db.read<PageRow & { reactionSummary: ReactionSummary }>(
    Prisma.sql`
    SELECT ${storedRowColumns.page}, page.reaction_summary AS "reactionSummary"
           ${PAGE_PARTS.room.column} ${PAGE_PARTS.attachments.column} ${PAGE_PARTS.mentions.column}
    FROM messages page JOIN users ON users.id = page.author_id JOIN rooms ON rooms.id = page.room_id
    ${PAGE_PARTS.attachments.join} ${PAGE_PARTS.mentions.join}
    WHERE page.id = ${messageId}::uuid`,
    { prepare: true },
  );
  const row = rows[0];
  if (!row) return null;
  const message = withParts(withAuthor(row), row, { room: roomFromJson(row.room!), attachments: true, mentions: true });
  return withSummary(message, row.reactionSummary);
}

/**
 * Deletes a message that is not deleted yet (the body becomes "", a pin goes, deletedAt is set) and
 * queues MESSAGE_DELETED for the room's webhooks, in one statement run by `run`; `unless` adds
 * conditions on the row (`messages`). Null when nothing was deleted.
 */
async function deleteOne(run: Statement, messageId: string, unless = Prisma.empty): Promise<MessageWithAuthor | null> {
  const rows = await run<StoredRow>(Prisma.sql`
    WITH changed AS (
      UPDATE messages SET body = '', pinned_at = NULL, pinned_by_id = NULL, deleted_at = clock_timestamp()
      WHERE id = ${messageId}::uuid AND deleted_at IS NULL ${unless}
      RETURNING ${RETURNING_MESSAGE}
    ), ${messageEvent('MESSAGE_DELETED', 'changed')}
    SELECT ${storedRowColumns.changed} FROM changed JOIN users ON users.id = changed.author_id`);
  const row = rows[0];
  return row ? withAuthor(row) : null;
}

/**
 * The author edits a message: sets the body and editedAt. The same body again changes nothing
 * (`changed: false`). A deleted message cannot be edited (BAD_USER_INPUT on messageId).
 */
export async function editMessage(
  db: Reader,
  viewerId: string | null,
  messageId: string,
  body: string,
): Promise<{ message: MessageWithAuthor; changed: boolean; notifications: NewNotification[] }> {
  const userId = requireUser(viewerId);
  const text = parseBody(body);
  const id = parseId('messageId', messageId);
  return changeAtOnce<{ message: MessageWithAuthor; changed: boolean; notifications: NewNotification[] }>(
    async () => {
      const edited = await editAtOnce(db, userId, id, text);
      return edited && { ...edited, changed: true };
    },
    // Refused, deleted or the same body: the rule in policy.ts (or the message) says which.
    async () => {
      const message = await findMessage(db.prisma, id);
      assertCan({ userId }, 'message.edit', await messageResource(db.prisma, userId, message));
      if (message.deletedAt) throw deletedMessage();
      return message.body === text ? { message, changed: false, notifications: [] } : null;
    },
  );
}

/**
 * A change made in one statement whose conditions (who may, what state) are in the statement:
 * `attempt` makes it, or returns null when they refused it. `explain` then finds out why, the
 * long way: it throws the refusal (the rule in policy.ts), or returns the answer when there was
 * nothing to change, or null when nothing refuses it now (a mute ended meanwhile, say), and the
 * change is tried again.
 */
export async function changeAtOnce<T>(attempt: () => Promise<T | null>, explain: () => Promise<T | null>): Promise<T> {
  for (let tries = 1; ; tries++) {
    const done = (await attempt()) ?? (await explain());
    if (done) return done;
    if (tries === CHANGE_TRIES) throw conflict('The message or your membership changed meanwhile; try again');
  }
}
const CHANGE_TRIES = 3;

/**
 * An edit in one statement: the new body and editedAt, unless the viewer is not the author, the
 * message is deleted or has that body already, the room is archived, or the author is muted there
 * (message.edit); the mentions follow the new body (names dropped go, members newly named come and
 * are notified, as a send would tell them), and the event is queued for the room's webhooks. Null
 * when nothing changed.
 */
async function editAtOnce(
  db: Pick<Reader, 'read'>,
  userId: string,
  messageId: string,
  text: string,
): Promise<{ message: MessageWithAuthor; notifications: NewNotification[] } | null> {
  const usernameKeys = mentionedUsernameKeys(text);
  const naming = usernameKeys.length > 0;
  const notifying = naming
    ? messageNotifications('changed', { mentioned: 'mentioned', reply: false, mayBeDirect: false }, 'now')
    : null;
  const rows = await db.read<StoredRow & { notifications: NewNotification[] | null }>(
    Prisma.sql`
      WITH changed AS (
        UPDATE messages SET body = ${text}::text, edited_at = clock_timestamp()
        FROM rooms
        WHERE messages.id = ${messageId}::uuid AND messages.author_id = ${userId}::uuid
          AND messages.deleted_at IS NULL AND messages.body <> ${text}::text
          AND rooms.id = messages.room_id AND rooms.archived_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM memberships WHERE memberships.room_id = messages.room_id
                          AND memberships.user_id = ${userId}::uuid AND memberships.muted_until > clock_timestamp())
        RETURNING ${RETURNING_MESSAGE}
      ), named AS (
        ${naming ? mentionedMembers(Prisma.sql`(SELECT room_id FROM changed)`, usernameKeys) : Prisma.sql`SELECT NULL::uuid AS user_id WHERE false`}
      ), unnamed AS (
        DELETE FROM message_mentions USING changed
        WHERE message_mentions.message_id = changed.id AND message_mentions.user_id NOT IN (SELECT user_id FROM named)
      )${
        naming
          ? Prisma.sql`, mentioned AS (
        INSERT INTO message_mentions (message_id, user_id) SELECT changed.id, named.user_id FROM changed, named
        ON CONFLICT DO NOTHING RETURNING user_id
      ), ${notifying!}`
          : Prisma.empty
      }, ${messageEvent('MESSAGE_EDITED', 'changed')}
      SELECT ${storedRowColumns.changed},
             ${notifying ? NOTIFIED_JSON : Prisma.sql`NULL::json`} AS notifications
      FROM changed JOIN users ON users.id = changed.author_id`,
    { prepare: true },
  );
  const row = rows[0];
  return row ? { message: withAuthor(row), notifications: row.notifications ?? [] } : null;
}

/**
 * The author deletes a message, softly: the body becomes "" and deletedAt is set; the row, its seq
 * and its clientMessageId stay (a retried send still finds it); a pin goes. A deleted reply no
 * longer counts on its thread's root. Deleting a deleted message returns it unchanged
 * (`changed: false`).
 */
export async function deleteMessage(
  db: Reader,
  viewerId: string | null,
  messageId: string,
): Promise<{ message: MessageWithAuthor; changed: boolean }> {
  const userId = requireUser(viewerId);
  const id = parseId('messageId', messageId);
  // The usual case in one statement: authors delete their own messages, unless the room is archived
  // (message.delete).
  const own = await deleteOne((statement) => db.read(statement, { prepare: true }), id, ownInARoomNotArchived(userId));
  if (own) return deleted(db.prisma, own);
  // Someone else's (a moderator's deletion), a refusal, or deleted already: the long way.
  const message = await findMessage(db.prisma, id);
  assertCan({ userId }, 'message.delete', await messageResource(db.prisma, userId, message));
  if (message.deletedAt) return { message, changed: false };
  const row = await db.prisma.$transaction(async (tx) => {
    const row = await deleteOne((statement) => tx.$queryRaw(statement), message.id);
    // Someone else's message: an owner or moderator removed it, which the audit log keeps.
    if (row && row.authorId !== userId) {
      await recordAudit(tx, {
        roomId: row.roomId,
        actorId: userId,
        action: 'MESSAGE_DELETED',
        targetUserId: row.authorId,
        targetMessageId: row.id,
      });
    }
    return row;
  });
  if (!row) return { message: await findMessage(db.prisma, message.id), changed: false };
  return deleted(db.prisma, row);
}

/** message.delete's usual case, as conditions on the row: the viewer's own, in a room not archived. */
const ownInARoomNotArchived = (userId: string) =>
  Prisma.sql`AND author_id = ${userId}::uuid
    AND NOT EXISTS (SELECT 1 FROM rooms WHERE rooms.id = messages.room_id AND rooms.archived_at IS NOT NULL)`;

/** A message just deleted: a reply no longer counts on its thread's root. */
async function deleted(prisma: Db, message: MessageWithAuthor): Promise<{ message: MessageWithAuthor; changed: true }> {
  if (message.threadRootId) await recountReplies(prisma, message.threadRootId);
  return { message, changed: true };
}

/**
 * What the policy needs to judge the viewer's edit or deletion of `message`: its author, the room
 * as the viewer stands with it, and the author's role there now.
 */
async function messageResource(prisma: Db, userId: string, message: Message): Promise<MessageResource> {
  const [access, author] = await Promise.all([
    loadRoomAccess(prisma, userId, message.roomId),
    message.authorId === userId
      ? null
      : prisma.membership.findUnique({
          where: { roomId_userId: { roomId: message.roomId, userId: message.authorId } },
          select: { role: true },
        }),
  ]);
  return {
    authorId: message.authorId,
    room: roomResource(access),
    authorRole: message.authorId === userId ? access.membership?.role : (author?.role ?? null),
  };
}

/** Sets a thread root's replyCount and lastReplyAt from its replies that are not deleted. */
async function recountReplies(prisma: Db, rootId: string): Promise<void> {
  await prisma.$executeRaw`
    UPDATE messages SET (reply_count, last_reply_at) = (
      SELECT count(*), max(reply.created_at) FROM messages reply
      WHERE reply.thread_root_id = ${rootId}::uuid AND reply.deleted_at IS NULL
    ) WHERE id = ${rootId}::uuid`;
}

// ——— History ———————————————————————————————————————————————————————————————————————————————————

export interface MessagePageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * A page of a room's history, keyset on seq (a deep page costs what the first does). `first`/`after`
 * read forward, `last`/`before` backward; edges are oldest → newest either way. With neither
 * `first` nor `last`: the 50 after `after` when only `after` is given, else the newest 50 (before
 * `before`, if given). Deleted messages are in the history with body ""; replies are not (they are
 * in their threads, and in messagesSince).
 */
export async function listMessages(
  db: Reader,
  secret: CursorSecret,
  viewerId: string | null,
  roomId: string,
  args: MessagePageArgs = {},
  selection: PageSelection = {},
): Promise<Connection<MessageWithAuthor>> {
  const id = parseId('roomId', roomId);
  const { direction, size } = parsePageSize(args, args.after != null && args.before == null ? 'forward' : 'backward');
  const afterSeq = args.after != null ? decodeCursor(secret, args.after, id, 'after') : null;
  const beforeSeq = args.before != null ? decodeCursor(secret, args.before, id, 'before') : null;
  const forward = direction === 'forward';
  const { lastSeq, messages: found } = await readMessages(db, viewerId, id, selection, {
    after: afterSeq,
    before: beforeSeq,
    forward,
    take: size + 1,
    topLevel: true,
  });
  const more = found.length > size;
  const rows = found.slice(0, size);
  if (!forward) rows.reverse();
  // Seqs have no gaps, so "is there anything beyond the cursor" needs no query.
  const page = forward
    ? { hasNextPage: more, hasPreviousPage: afterSeq !== null && afterSeq > 0 }
    : { hasNextPage: beforeSeq !== null && beforeSeq <= lastSeq, hasPreviousPage: more };
  const seqs = (nodes: readonly MessageWithAuthor[]) => nodes.map((m) => m.seq);
  return toConnection(rows, { all: (nodes) => encodeCursors(secret, id, seqs(nodes)) }, page);
}

/**
 * The room's history around `seq` (jumping to a message): `limit` (1–100, default 50) top-level
 * messages in all, (limit − 1) / 2 (rounded down) before seq and the rest from seq on, fewer at the
 * room's ends. The cursors are history cursors, so `listMessages` pages on from either end. A seq
 * after the room's newest message is BAD_USER_INPUT.
 */
export async function messagesAround(
  db: Reader,
  secret: CursorSecret,
  viewerId: string | null,
  roomId: string,
  seq: number,
  limit?: number | null,
  selection: PageSelection = {},
): Promise<Connection<MessageWithAuthor>> {
  const id = parseId('roomId', roomId);
  const target = parseSeq('seq', seq);
  const size = parseAroundLimit(limit);
  if (target < 1) throw badInput('seq', 'must be 1 or more');
  const before = Math.floor((size - 1) / 2);
  const after = size - before;
  const [older, newer] = await Promise.all([
    readMessages(db, viewerId, id, selection, {
      after: null,
      before: target,
      forward: false,
      take: before + 1,
      topLevel: true,
    }),
    readMessages(db, viewerId, id, selection, {
      after: target - 1,
      before: null,
      forward: true,
      take: after + 1,
      topLevel: true,
    }),
  ]);
  if (target > newer.lastSeq) throw badInput('seq', 'is after the newest message of the room');
  const rows = [...older.messages.slice(0, before).reverse(), ...newer.messages.slice(0, after)];
  const page = { hasPreviousPage: older.messages.length > before, hasNextPage: newer.messages.length > after };
  return toConnection(
    rows,
    {
      all: (nodes) =>
        encodeCursors(
          secret,
          id,
          nodes.map((m) => m.seq),
        ),
    },
    page,
  );
}

/**
 * A thread's replies, oldest → newest, paged like the history (`first`/`after` forward,
 * `last`/`before` backward, the newest 50 by default). Its cursors belong to the thread. The root
 * must be a top-level message of a room the viewer may read.
 */
export async function threadMessages(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  messageId: string,
  args: MessagePageArgs = {},
  query?: MessageQuery,
): Promise<Connection<MessageWithAuthor>> {
  const rootId = parseId('messageId', messageId);
  const { direction, size } = parsePageSize(args, args.after != null && args.before == null ? 'forward' : 'backward');
  const root = await prisma.message.findUnique({ where: { id: rootId }, select: { roomId: true, threadRootId: true } });
  if (!root) throw notFound('Message');
  await accessRoom(prisma, viewerId, root.roomId, 'room.read');
  if (root.threadRootId) throw badInput('messageId', 'is a reply, not a thread\u2019s root');
  const afterSeq = args.after != null ? decodeCursor(secret, args.after, rootId, 'after') : null;
  const beforeSeq = args.before != null ? decodeCursor(secret, args.before, rootId, 'before') : null;
  const forward = direction === 'forward';
  const found = (await prisma.message.findMany({
    ...selecting(query ?? WITH_AUTHOR, { seq: true }),
    where: { threadRootId: rootId, seq: { gt: afterSeq ?? undefined, lt: beforeSeq ?? undefined } },
    orderBy: { seq: forward ? 'asc' : 'desc' },
    take: size + 1,
  })) as MessageWithAuthor[];
  const more = found.length > size;
  const rows = found.slice(0, size);
  if (!forward) rows.reverse();
  const page = forward
    ? { hasNextPage: more, hasPreviousPage: afterSeq !== null }
    : { hasNextPage: beforeSeq !== null, hasPreviousPage: more };
  return toConnection(
    rows,
    {
      all: (nodes) =>
        encodeCursors(
          secret,
          rootId,
          nodes.map((m) => m.seq),
        ),
    },
    page,
  );
}

/** Gap recovery: up to `first` (1–1000, default 100) messages after `afterSeq`, ascending, replies included. */
export async function messagesSince(
  db: Reader,
  viewerId: string | null,
  roomId: string,
  afterSeq: number,
  first?: number | null,
  query?: MessageQuery,
): Promise<MessageWithAuthor[]> {
  const after = parseSeq('afterSeq', afterSeq);
  const take = parseSinceCount(first);
  const id = parseId('roomId', roomId);
  return (
    await readMessages(db, viewerId, id, { query }, { after, before: null, forward: true, take, topLevel: false })
  ).messages;
}

interface SeqRange {
  /** Only seqs above / below these (null: no bound). */
  after: number | null;
  before: number | null;
  /** Ascending from `after`, or descending from `before`. */
  forward: boolean;
  take: number;
  /** Only top-level messages (the room's main history), not replies. */
  topLevel: boolean;
}

/**
 * Up to `take` messages of a room in a seq range, when the viewer may read the room: NOT_FOUND /
 * UNAUTHENTICATED / FORBIDDEN otherwise, and nothing it loaded is returned. The room, the viewer's
 * membership and the messages come in one statement either way.
 *
 * What history screens ask (the message's columns, its author's public ones, its room, its
 * attachments, the users it mentions, its reactions) is read by one flat join, run by the driver
 * (`Database.read`). Any other relation (a thread root, who pinned it, the room's own relations) is
 * planned by Prisma: its relations come in the same statement as JSON built by the database, which
 * costs PostgreSQL ~4 times the CPU of the flat join for a page of 50 (2.3 vs 0.5 ms, measured on
 * the seeded million-message room).
 */
async function readMessages(
  db: Reader,
  viewerId: string | null,
  roomId: string,
  { query, reactions, mentions }: PageSelection,
  range: SeqRange,
): Promise<{ lastSeq: number; messages: MessageWithAuthor[] }> {
  if (query && !answersMessageQuery(query, { author: true, room: true, attachments: true })) {
    const { room, messages = [] } = await accessRoom(db.prisma, viewerId, roomId, 'room.read', undefined, {
      ...selecting(query, { seq: true }),
      where: {
        seq: { gt: range.after ?? undefined, lt: range.before ?? undefined },
        ...(range.topLevel ? { threadRootId: null } : {}),
      },
      orderBy: { seq: range.forward ? 'asc' : 'desc' },
      take: range.take,
    });
    // The schema's Message type includes its author's public columns in every selection it plans.
    return { lastSeq: room.lastSeq, messages: messages as MessageWithAuthor[] };
  }
  const order = Prisma.raw(range.forward ? 'ASC' : 'DESC');
  // The room, the attachments and the mentions, when asked for, come in the same statement.
  const wants = query ? relationsIn(query) : { room: false, attachments: false };
  // Prepared: the page's plan (the room by id, a keyset range on (room_id, seq)) does not depend
  // on the values, and parsing and planning it cost PostgreSQL about as much as running it.
  const rows = await db.read<PageRow>(
    Prisma.sql`
    SELECT rooms.kind::text AS "roomKind", rooms.last_seq AS "roomLastSeq", memberships.user_id IS NOT NULL AS "isMember",
           ${storedRowColumns.page}${reactions ? Prisma.sql`, ${reactionsOfRow(viewerId, 'page')}` : Prisma.empty}
           ${wants.room ? PAGE_PARTS.room.column : Prisma.empty}
           ${wants.attachments ? PAGE_PARTS.attachments.column : Prisma.empty}
           ${mentions ? PAGE_PARTS.mentions.column : Prisma.empty}
    FROM rooms
    LEFT JOIN memberships ON memberships.room_id = rooms.id AND memberships.user_id = ${viewerId}::uuid
    LEFT JOIN LATERAL (
      SELECT * FROM messages
      WHERE messages.room_id = rooms.id
        AND messages.seq > ${range.after ?? 0}::bigint AND messages.seq < ${range.before ?? Number.MAX_SAFE_INTEGER}::bigint
        ${range.topLevel ? Prisma.sql`AND messages.thread_root_id IS NULL` : Prisma.empty}
      ORDER BY messages.seq ${order} LIMIT ${range.take}
    ) AS page ON true
    LEFT JOIN users ON users.id = page.author_id
    ${wants.attachments ? PAGE_PARTS.attachments.join : Prisma.empty}
    ${mentions ? PAGE_PARTS.mentions.join : Prisma.empty}
    WHERE rooms.id = ${roomId}::uuid
    ORDER BY page.seq ${order}`,
    { prepare: true },
  );
  const first = rows[0];
  if (!first) throw notFound('Room');
  assertCan(viewerId ? { userId: viewerId } : null, 'room.read', {
    kind: first.roomKind,
    isMember: first.isMember,
    isInvited: false,
  });
  if (first.id === null) return { lastSeq: first.roomLastSeq, messages: [] };
  const room = wants.room ? roomFromJson(first.room!) : undefined;
  return {
    lastSeq: first.roomLastSeq,
    messages: rows.map((row) => {
      const message = withAuthor(row);
      if (reactions) preloadReactions(message, viewerId, row as RowReactions);
      return withParts(message, row, { room, attachments: wants.attachments, mentions: !!mentions });
    }),
  };
}

/** Puts on a message what a statement read with it by `PAGE_PARTS`: its room, attachments, mentions. */
function withParts(
  message: MessageWithAuthor,
  row: Pick<PageRow, 'attachments' | 'mentions'>,
  parts: { room: Room | undefined; attachments: boolean; mentions: boolean },
): MessageWithAuthor {
  if (parts.room) message.room = parts.room;
  if (parts.attachments) message.attachments = (row.attachments ?? []).map(attachmentFromJson);
  return parts.mentions ? withMentions(message, (row.mentions ?? []).map(userFromJson)) : message;
}

/**
 * What a history page reads besides its messages when asked for: the room (one row for the page),
 * each message's attachments in order and the users it mentions by username, as JSON.
 */
const PAGE_PARTS = {
  room: { column: Prisma.sql`, ${roomJson('rooms')} AS "room"` },
  attachments: {
    column: Prisma.raw(', page_attachments.list AS "attachments"'),
    join: Prisma.sql`LEFT JOIN LATERAL (
      SELECT json_agg(${attachmentJson('attachments')} ORDER BY attachments.position) AS list
      FROM attachments WHERE attachments.message_id = page.id
    ) AS page_attachments ON true`,
  },
  mentions: {
    column: Prisma.raw(', page_mentions.list AS "mentions"'),
    join: Prisma.sql`LEFT JOIN LATERAL (
      SELECT json_agg(${userJson('mentioned_user')} ORDER BY mentioned_user.username_key) AS list
      FROM message_mentions JOIN users AS mentioned_user ON mentioned_user.id = message_mentions.user_id
      WHERE message_mentions.message_id = page.id
    ) AS page_mentions ON true`,
  },
};

// ——— Search ————————————————————————————————————————————————————————————————————————————————————

interface SearchHit {
  id: string;
  rank: number;
  createdAt: Date;
}

/** A short fingerprint of the search words, kept in the cursor: a cursor of one search is refused by another. */
const fingerprint = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 8);

function parseSearchCursor(secret: CursorSecret, cursor: string, text: string) {
  const [words, rank, at, id] = decodeKeyCursor(secret, cursor, 'search', 'after', [
    'string',
    'number',
    'string',
    'string',
  ]) as [string, number, string, string];
  if (words !== fingerprint(text)) throw badInput('after', 'is a cursor of another search');
  if (Number.isNaN(new Date(at).getTime())) throw badInput('after', 'is not a valid cursor');
  return { rank, at, id: parseId('after', id) };
}

/** How many of the newest matches a search ranks. */
export const SEARCH_WINDOW = 1_000;
/** Across rooms, the newest messages looked through in date order before the full-text index. */
const RECENT_MESSAGES = 20_000;

/**
 * The newest SEARCH_WINDOW matches across the rooms the viewer may read. First a probe through the
 * full-text index for at most SEARCH_WINDOW + 1 matches: a rare word has no more, and they are the
 * answer. Otherwise two steps that each stay cheap: the newest RECENT_MESSAGES messages in date
 * order (a common word fills the window here), then, only if the window is not full, the older ones
 * through the full-text index (OFFSET 0 keeps the planner from reading them in date order, which
 * for a rare word would mean walking the whole table). The unused way is never run (its branch is
 * cut by a one-time filter).
 */
function newestMatchesAcrossRooms(words: string, viewerId: string | null): Prisma.Sql {
  const matching = (when: Prisma.Sql) => Prisma.sql`
    SELECT m.id, m.created_at, m.search_vector
    FROM messages m JOIN rooms r ON r.id = m.room_id
    CROSS JOIN websearch_to_tsquery('simple', ${words}::text) AS q(query)
    WHERE ${when} AND m.search_vector @@ q.query AND m.deleted_at IS NULL ${readableBy(viewerId)}`;
  const boundary = Prisma.sql`COALESCE(
    (SELECT created_at FROM messages ORDER BY created_at DESC OFFSET ${RECENT_MESSAGES} LIMIT 1), '-infinity')`;
  return Prisma.sql`
    WITH probe AS MATERIALIZED (
      ${matching(Prisma.sql`TRUE`)} OFFSET 0 LIMIT ${SEARCH_WINDOW + 1}
    ), few AS (
      SELECT count(*) <= ${SEARCH_WINDOW} AS all_found FROM probe
    ), recent AS (
      ${matching(Prisma.sql`m.created_at > ${boundary}`)}
      ORDER BY m.created_at DESC LIMIT ${SEARCH_WINDOW}
    )
    SELECT * FROM probe WHERE (SELECT all_found FROM few)
    UNION ALL
    SELECT * FROM (
      SELECT * FROM recent
      UNION ALL
      SELECT * FROM (
        SELECT * FROM (${matching(Prisma.sql`m.created_at <= ${boundary}`)} OFFSET 0) older
        ORDER BY older.created_at DESC LIMIT ${SEARCH_WINDOW} - (SELECT count(*) FROM recent)
      ) rest
    ) newest WHERE NOT (SELECT all_found FROM few)`;
}

/** The rooms a search may look in: PUBLIC ones, and for a signed-in user the rooms they belong to. */
function readableBy(viewerId: string | null): Prisma.Sql {
  return viewerId
    ? Prisma.sql`AND (r.kind = 'PUBLIC' OR EXISTS (
        SELECT 1 FROM memberships ms WHERE ms.room_id = m.room_id AND ms.user_id = ${viewerId}::uuid))`
    : Prisma.sql`AND r.kind = 'PUBLIC'`;
}

/**
 * Full-text search (websearch syntax, 'simple' configuration) over the messages the viewer may
 * read, optionally in one room; deleted messages excluded. Of the newest 1,000 matches, best match
 * first (ts_rank), then newest, then id; keyset-paged on (rank, createdAt, id). With `roomId`, a
 * room the viewer may not read is FORBIDDEN, like reading it.
 */
export async function searchMessages(
  prisma: Db,
  secret: CursorSecret,
  viewerId: string | null,
  text: string,
  args: { roomId?: string | null; first?: number | null; after?: string | null } = {},
  query?: MessageQuery,
): Promise<Connection<MessageWithAuthor>> {
  const words = parseSearchText(text);
  const { size } = parsePageSize({ first: args.first });
  const after = args.after != null ? parseSearchCursor(secret, args.after, words) : null;
  const roomId = args.roomId != null ? (await accessRoom(prisma, viewerId, args.roomId, 'room.read')).room.id : null;
  // Only the newest SEARCH_WINDOW matches are ranked: a common word matches a large part of a
  // room, and ranking all of it (then sorting) costs hundreds of ms. In one room the newest are
  // found by walking (room_id, seq) backwards.
  const newest = roomId
    ? Prisma.sql`SELECT m.id, m.created_at, m.search_vector
        FROM messages m CROSS JOIN websearch_to_tsquery('simple', ${words}::text) AS q(query)
        WHERE m.room_id = ${roomId}::uuid AND m.search_vector @@ q.query AND m.deleted_at IS NULL
        ORDER BY m.seq DESC LIMIT ${SEARCH_WINDOW}`
    : newestMatchesAcrossRooms(words, viewerId);
  const hits = await prisma.$queryRaw<SearchHit[]>`
    SELECT id, rank, "createdAt" FROM (
      SELECT c.id, c.created_at AS "createdAt", ts_rank(c.search_vector, q.query)::float8 AS rank
      FROM (${newest}) c CROSS JOIN websearch_to_tsquery('simple', ${words}::text) AS q(query)
    ) hit
    ${
      after
        ? Prisma.sql`WHERE (rank, "createdAt", id) < (${after.rank}::float8, ${after.at}::timestamptz, ${after.id}::uuid)`
        : Prisma.empty
    }
    ORDER BY rank DESC, "createdAt" DESC, id DESC
    LIMIT ${size + 1}`;
  const more = hits.length > size;
  const page = hits.slice(0, size);
  const loaded = (await prisma.message.findMany({
    ...selecting(query ?? WITH_AUTHOR, { id: true }),
    where: { id: { in: page.map((hit) => hit.id) } },
  })) as MessageWithAuthor[];
  const byId = new Map(loaded.map((m) => [m.id, m]));
  const cursorOf = new Map(
    page.map((hit) => [
      hit.id,
      encodeKeyCursor(secret, 'search', [fingerprint(words), hit.rank, hit.createdAt.toISOString(), hit.id]),
    ]),
  );
  const rows = page.map((hit) => byId.get(hit.id)).filter((m) => m !== undefined);
  return toConnection(rows, (m) => cursorOf.get(m.id)!, { hasNextPage: more, hasPreviousPage: after !== null });
}
