import { badInput } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { queueWebhookEvent, reactionData } from '../integrations/outbox.js';
import { type Json, type MessageWithAuthor, type PublicUser, userColumns, userJson } from './carried.js';
import {
  changeAtOnce,
  deletedMessage,
  findMessage,
  type Reader,
  type StoredRow,
  storedRowColumns,
  withAuthor,
} from './messages.js';
import { assertCan, requireUser } from './policy.js';
import { loadRoomAccess, roomResource } from './rooms.js';
import { parseEmoji, parseId, REACTIONS_MAX } from './validation.js';

/**
 * Reactions: a member marks a message with an emoji (one grapheme, or a `:shortcode:` as typed),
 * at most once per emoji, at most REACTIONS_MAX distinct emoji per message. Adding and removing
 * are idempotent: `changed` says whether anything happened (announce it only then).
 */

/** One emoji on one message: how many reacted with it, and whether the viewer did. */
export interface ReactionCount {
  messageId: string;
  emoji: string;
  count: number;
  viewerReacted: boolean;
  /** Everyone who reacted with it, when asked for (`ReactionKey.reactors`). */
  reactors?: string[];
}

/** What `reactionCounts` is asked: a message's reactions for a viewer, and whether to say who reacted. */
export interface ReactionKey {
  messageId: string;
  viewerId: string | null;
  reactors?: boolean;
}

/**
 * Refuses, naming why with the rule in policy.ts, a reaction to a message that is not there or
 * deleted, or in a room where the viewer may not react (room.react).
 */
async function assertReactable(prisma: PrismaClient, userId: string, messageId: string): Promise<void> {
  const message = await findMessage(prisma, messageId);
  assertCan({ userId }, 'room.react', roomResource(await loadRoomAccess(prisma, userId, message.roomId)));
  if (message.deletedAt) throw deletedMessage();
}

/**
 * What adding or removing a reaction did: the message, the emoji as kept, whether anything changed,
 * and who reacted (their public columns, carried with the event).
 */
export interface Reacted {
  message: MessageWithAuthor;
  emoji: string;
  changed: boolean;
  reactor: Json<PublicUser>;
}

/**
 * Adds or removes a reaction, and queues its event for the room's webhooks, in one statement. The
 * message row is locked first: every change to a message's reactions takes that lock before
 * touching them, as the trigger keeping `reaction_summary` does after, so two changes cannot wait
 * on each other, and the summary read here is the latest (two new emoji cannot both take the last
 * place). Changes nothing and returns null unless the viewer is a member who may write to the room
 * (not archived, not muted) and the message is not deleted; 'full' when a new emoji would be one
 * over REACTIONS_MAX.
 */
async function reactAtOnce(
  db: Pick<Reader, 'read'>,
  userId: string,
  messageId: string,
  emoji: string,
  add: boolean,
): Promise<Reacted | 'full' | null> {
  const change = add
    ? Prisma.sql`INSERT INTO reactions (message_id, emoji, user_id)
        SELECT reacted.id, ${emoji}::text, ${userId}::uuid FROM reacted WHERE NOT reacted.full
        ON CONFLICT DO NOTHING
        RETURNING message_id`
    : Prisma.sql`DELETE FROM reactions USING reacted
        WHERE reactions.message_id = reacted.id AND reactions.emoji = ${emoji}::text
          AND reactions.user_id = ${userId}::uuid
        RETURNING reactions.message_id`;
  const rows = await db.read<StoredRow & { changed: boolean; full: boolean; reactor: Json<PublicUser> }>(
    Prisma.sql`
      WITH reacted AS (
        SELECT messages.*,
               coalesce(jsonb_array_length(messages.reaction_summary), 0) >= ${REACTIONS_MAX}
                 AND NOT coalesce(messages.reaction_summary @> jsonb_build_array(jsonb_build_object('emoji', ${emoji}::text)), false)
                 AS full
        FROM messages
        JOIN rooms ON rooms.id = messages.room_id
        JOIN memberships ON memberships.room_id = messages.room_id AND memberships.user_id = ${userId}::uuid
        WHERE messages.id = ${messageId}::uuid AND messages.deleted_at IS NULL AND rooms.archived_at IS NULL
          AND (memberships.muted_until IS NULL OR memberships.muted_until <= clock_timestamp())
        FOR UPDATE OF messages
      ), changed AS (${change}), ${queueWebhookEvent(
        'REACTION_CHANGED',
        Prisma.sql`SELECT reacted.room_id, ${reactionData(messageId, userId, emoji, add)} AS data
          FROM changed JOIN reacted ON reacted.id = changed.message_id`,
      )}
      SELECT ${storedRowColumns.reacted}, EXISTS (SELECT 1 FROM changed) AS changed, reacted.full,
             ${REACTOR_JSON} AS reactor
      FROM reacted JOIN users ON users.id = reacted.author_id JOIN users reactor ON reactor.id = ${userId}::uuid`,
    { prepare: true },
  );
  const row = rows[0];
  if (!row) return null;
  if (add && row.full) return 'full';
  return { message: withAuthor(row), emoji, changed: row.changed, reactor: row.reactor };
}
const REACTOR_JSON = userJson('reactor');

async function react(db: Reader, viewerId: string | null, messageId: string, emoji: string, add: boolean) {
  const userId = requireUser(viewerId);
  const reaction = parseEmoji(emoji);
  const id = parseId('messageId', messageId);
  return changeAtOnce(
    async () => {
      const done = await reactAtOnce(db, userId, id, reaction, add);
      if (done !== 'full') return done;
      throw badInput('emoji', `is one more than the ${REACTIONS_MAX} different reactions a message may have`);
    },
    async () => {
      await assertReactable(db.prisma, userId, id);
      return null;
    },
  );
}

/** Adds the viewer's reaction; adding one that is there already changes nothing. */
export const addReaction = (db: Reader, viewerId: string | null, messageId: string, emoji: string): Promise<Reacted> =>
  react(db, viewerId, messageId, emoji, true);

/** Takes the viewer's reaction back; removing one that is not there changes nothing. */
export const removeReaction = (
  db: Reader,
  viewerId: string | null,
  messageId: string,
  emoji: string,
): Promise<Reacted> => react(db, viewerId, messageId, emoji, false);

/** Reactions read with the messages themselves (a history page), by message object. */
const preloaded = new WeakMap<object, ReactionCount[]>();

/**
 * A message's `reaction_summary` column: its emoji in the order reactions are shown, each with its
 * count and the first 20 who reacted (everyone when count ≤ 20), earliest first.
 */
export type ReactionSummary = { emoji: string; count: number; users: string[] }[] | null;

/** Whether a summary leaves someone out (an emoji with more reactors than it keeps), as SQL. */
const PARTIAL = Prisma.raw(`'$[*] ? (@.count > @.users.size())'`);

/**
 * The reactions of a message as one viewer sees them, from its summary; `alsoReacted` answers for
 * an emoji whose reactors the summary does not all hold.
 */
const countsFor = (
  messageId: string,
  summary: ReactionSummary,
  viewerId: string | null,
  alsoReacted: (emoji: string) => boolean,
): ReactionCount[] =>
  (summary ?? []).map(({ emoji, count, users }) => ({
    messageId,
    emoji,
    count,
    viewerReacted: viewerId !== null && (users.includes(viewerId) || (count > users.length && alsoReacted(emoji))),
  }));

/**
 * SQL for a statement reading the message row `message` to bring its reactions along (instead of
 * a second round trip): its summary as `reactionSummary`, and, only when the summary leaves someone
 * out, the emoji the viewer reacted with as `viewerEmoji`. `preloadReactions` takes both.
 */
export const reactionsOfRow = (viewerId: string | null, message: string) => {
  const row = Prisma.raw(message);
  if (viewerId === null) return Prisma.sql`${row}.reaction_summary AS "reactionSummary"`;
  return Prisma.sql`${row}.reaction_summary AS "reactionSummary",
    CASE WHEN ${row}.reaction_summary @? ${PARTIAL} THEN ARRAY(
      SELECT emoji FROM reactions WHERE reactions.message_id = ${row}.id AND reactions.user_id = ${viewerId}::uuid
    ) END AS "viewerEmoji"`;
};

/** What `reactionsOfRow` adds to a row. */
export interface RowReactions {
  reactionSummary: ReactionSummary;
  viewerEmoji?: string[] | null;
}

/** Keeps what `reactionsOfRow` read for a message, for `preloadedReactions` to answer with. */
export function preloadReactions(
  message: MessageWithAuthor,
  viewerId: string | null,
  { reactionSummary, viewerEmoji }: RowReactions,
) {
  preloaded.set(
    message,
    countsFor(message.id, reactionSummary, viewerId, (emoji) => viewerEmoji?.includes(emoji) ?? false),
  );
  return message;
}

/** Messages read with their whole summary (what a live event delivers), by message object. */
const summaries = new WeakMap<object, ReactionSummary>();

/** Keeps a message's summary as read with it, for `preloadedReactions` to answer any viewer from. */
export function withSummary<T extends object>(message: T, summary: ReactionSummary): T {
  summaries.set(message, summary);
  return message;
}

/**
 * The reactions read with this message object, if they were: for the viewer a history page was
 * read for, or from the summary read with it for any viewer, with who reacted when `reactors` (a
 * live event's one execution for every subscriber). Undefined when nothing was read with it, or the
 * summary leaves someone out (then only the reactions themselves say whether the viewer reacted).
 */
export function preloadedReactions(
  message: { id: string },
  viewerId: string | null,
  reactors: boolean,
): ReactionCount[] | undefined {
  const counts = preloaded.get(message);
  if (counts || !summaries.has(message)) return counts;
  const summary = summaries.get(message) ?? [];
  if (summary.some(({ count, users }) => count > users.length)) return undefined;
  const forViewer = countsFor(message.id, summary, viewerId, () => false);
  return reactors ? forViewer.map((count, i) => ({ ...count, reactors: summary[i]!.users })) : forViewer;
}

const idList = (ids: readonly string[]) => Prisma.sql`string_to_array(${ids.join(',')}::text, ',')::uuid[]`;

/**
 * The reactions of each message asked for, with whether the viewer of that key reacted: one
 * statement for any number of messages and viewers (a page, or every viewer's execution of one
 * live event). The reactions themselves are read only for summaries that leave someone out.
 */
export async function reactionCounts(
  db: Pick<Reader, 'read'>,
  keys: readonly ReactionKey[],
): Promise<ReactionCount[][]> {
  const viewers = [...new Set(keys.map((key) => key.viewerId).filter((id) => id !== null))];
  const everyone = [...new Set(keys.filter((key) => key.reactors).map((key) => key.messageId))];
  // `reacted` holds the reactions of the viewers asked about, or of everyone for `reactors`.
  const rows = await db.read<{
    messageId: string;
    summary: ReactionSummary;
    reacted: { emoji: string; userId: string }[] | null;
  }>(Prisma.sql`
    SELECT messages.id AS "messageId", messages.reaction_summary AS summary,
           CASE WHEN messages.reaction_summary @? ${PARTIAL} THEN (
             SELECT json_agg(json_build_object('emoji', emoji, 'userId', user_id) ORDER BY created_at, user_id)
             FROM reactions
             WHERE message_id = messages.id
               AND (user_id = ANY(${idList(viewers)}) OR message_id = ANY(${idList(everyone)}))
           ) END AS reacted
    FROM messages
    WHERE messages.id = ANY(${idList([...new Set(keys.map((key) => key.messageId))])})
      AND messages.reaction_summary IS NOT NULL`);
  const byMessage = new Map(rows.map((row) => [row.messageId, row]));
  return keys.map(({ messageId, viewerId, reactors }) => {
    const row = byMessage.get(messageId);
    if (!row) return [];
    const reacted = row.reacted ?? [];
    const counts = countsFor(messageId, row.summary, viewerId, (emoji) =>
      reacted.some((r) => r.emoji === emoji && r.userId === viewerId),
    );
    if (!reactors) return counts;
    return counts.map((count, i) => {
      const { users } = row.summary![i]!;
      return {
        ...count,
        reactors:
          count.count > users.length ? reacted.filter((r) => r.emoji === count.emoji).map((r) => r.userId) : users,
      };
    });
  });
}

const REACTOR_COLUMNS = userColumns('users');

/** Up to `first` of the users who reacted with each (message, emoji), earliest first: one statement. */
export async function reactionUsers(
  db: Pick<Reader, 'read'>,
  reactions: readonly { messageId: string; emoji: string }[],
  first: number,
): Promise<PublicUser[][]> {
  const rows = await db.read<PublicUser & { messageId: string; emoji: string }>(Prisma.sql`
    SELECT r."messageId", r.emoji, ${REACTOR_COLUMNS}
    FROM (
      SELECT message_id AS "messageId", emoji, user_id, created_at,
             row_number() OVER (PARTITION BY message_id, emoji ORDER BY created_at, user_id) AS n
      FROM reactions WHERE message_id = ANY(${idList(reactions.map((r) => r.messageId))})
    ) r JOIN users ON users.id = r.user_id
    WHERE r.n <= ${first}
    ORDER BY r.created_at, users.id`);
  const key = (messageId: string, emoji: string) => `${messageId} ${emoji}`;
  const byReaction = new Map<string, PublicUser[]>();
  for (const { messageId, emoji, ...user } of rows) {
    const list = byReaction.get(key(messageId, emoji));
    if (list) list.push(user);
    else byReaction.set(key(messageId, emoji), [user]);
  }
  return reactions.map((r) => byReaction.get(key(r.messageId, r.emoji)) ?? []);
}
