import {
  type Attachment,
  type Membership,
  type Message,
  Prisma,
  type Room,
  type User,
} from '../generated/prisma/client.js';

/**
 * A user's columns read whenever a user is: what the API shows of anyone (the avatar's storage key
 * is never shown itself, only signed into avatarUrl, which then needs no statement of its own).
 */
const PUBLIC_USER_COLUMNS = ['id', 'username', 'displayName', 'avatarKey', 'createdAt'] as const;
/** The columns of a user that are loaded whenever one is, as a Prisma `select`. */
export const PUBLIC_USER_SELECT = Object.fromEntries(PUBLIC_USER_COLUMNS.map((column) => [column, true])) as {
  [column in (typeof PUBLIC_USER_COLUMNS)[number]]: true;
};

/**
 * A message as its sender's replica wrote it, with its author's public columns: carried in the live
 * event so that every replica can answer its subscribers without loading the message again, and
 * returned by the mutation without a second statement. Never the author's password hash.
 *
 * A message just sent also carries what its statement knew besides (`MessageParts`): its room as the
 * send left it, its attachments, and the members it mentions. With them, what a client shows of a
 * new message (the web app's selection) needs no statement on any replica.
 */
export type PublicUser = Pick<User, (typeof PUBLIC_USER_COLUMNS)[number]>;
export type MessageWithAuthor = Message & { author: PublicUser } & MessageParts;

export interface MessageParts {
  /** The room row, as of this message (its lastSeq is this message's seq). */
  room?: Room;
  /** Its attachments, by position. */
  attachments?: Attachment[];
}

/** JSON of a row: instants as ISO strings. */
export type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** The same, as it travels in an event. */
export type CarriedMessage = Json<Message> & {
  author: Json<PublicUser>;
  room?: Json<Room>;
  attachments?: Json<Attachment>[];
  /** The users it mentions (by username), when the sender knew them. */
  mentions?: Json<PublicUser>[];
};

/**
 * The rows an event about one member can carry, as the change's statement read them: the room (as
 * of the change) and the member's public columns. With them, what clients ask of such an event (the
 * room's id, who it was) needs no statement on any replica.
 */
export interface CarriedMember {
  room: Json<Room>;
  user: Json<PublicUser>;
}

const publicUserColumns = new Set<string>(PUBLIC_USER_COLUMNS);
/** Every column of a message row (what the generated client reads; not the search vector). */
const messageColumns = new Set<string>(Object.values(Prisma.MessageScalarFieldEnum));
const roomColumns = new Set<string>(Object.values(Prisma.RoomScalarFieldEnum));

const DATE_COLUMNS = {
  message: ['createdAt', 'editedAt', 'deletedAt', 'lastReplyAt', 'pinnedAt'],
  user: ['createdAt'],
  room: ['createdAt', 'lastActivityAt', 'archivedAt'],
  membership: ['joinedAt', 'mutedUntil'],
  attachment: ['createdAt', 'sweepClaimedAt'],
} as const;

/** A copy of `row` with its instants in `columns` turned by `as` (to ISO strings and back). */
function converted<R>(row: object, columns: readonly string[], as: (value: never) => unknown): R {
  const copy = { ...row } as Record<string, unknown>;
  for (const column of columns) if (copy[column] != null) copy[column] = as(copy[column] as never);
  return copy as R;
}
const toJson = <T extends object>(row: T, columns: readonly string[]) =>
  converted<Json<T>>(row, columns, (date: Date) => date.toISOString());
const fromJson = <T>(row: object, columns: readonly string[]) =>
  converted<T>(row, columns, (iso: string) => new Date(iso));

/** The database column of each public column of a user, and of each column of a room and a membership. */
const USER_COLUMN_NAMES: Record<keyof PublicUser, string> = {
  id: 'id',
  username: 'username',
  displayName: 'display_name',
  avatarKey: 'avatar_key',
  createdAt: 'created_at',
};
const ROOM_COLUMN_NAMES: Record<keyof Room, string> = {
  id: 'id',
  name: 'name',
  nameKey: 'name_key',
  kind: 'kind',
  topic: 'topic',
  lastSeq: 'last_seq',
  memberCount: 'member_count',
  createdAt: 'created_at',
  lastActivityAt: 'last_activity_at',
  createdById: 'created_by_id',
  slowModeSeconds: 'slow_mode_seconds',
  archivedAt: 'archived_at',
};
const MEMBERSHIP_COLUMN_NAMES: Record<keyof Membership, string> = {
  roomId: 'room_id',
  userId: 'user_id',
  role: 'role',
  lastReadSeq: 'last_read_seq',
  joinedAt: 'joined_at',
  mutedUntil: 'muted_until',
};
const ATTACHMENT_COLUMN_NAMES: Record<keyof Attachment, string> = {
  id: 'id',
  roomId: 'room_id',
  uploaderId: 'uploader_id',
  messageId: 'message_id',
  position: 'position',
  filename: 'filename',
  contentType: 'content_type',
  size: 'size',
  width: 'width',
  height: 'height',
  storageKey: 'storage_key',
  thumbnailKey: 'thumbnail_key',
  createdAt: 'created_at',
  sweepClaimedAt: 'sweep_claimed_at',
};
const jsonObject = (names: Record<string, string>, alias: string) =>
  Prisma.raw(`json_build_object(${Object.entries(names).map(([key, column]) => `'${key}', ${alias}.${column}`)})`);

/** SQL: the public columns of the user row `alias`, as a select list named like a `PublicUser`. */
export const userColumns = (alias: string) =>
  Prisma.raw(
    Object.entries(USER_COLUMN_NAMES)
      .map(([key, column]) => `${alias}.${column} AS "${key}"`)
      .join(', '),
  );
/** SQL: the public columns of the user row `alias` as a JSON object (revive with `userFromJson`). */
export const userJson = (alias: string) => jsonObject(USER_COLUMN_NAMES, alias);
/** SQL: the room row `alias` as a JSON object (revive with `roomFromJson`). */
export const roomJson = (alias: string) => jsonObject(ROOM_COLUMN_NAMES, alias);
/** SQL: the membership row `alias` as a JSON object (revive with `membershipFromJson`). */
export const membershipJson = (alias: string) => jsonObject(MEMBERSHIP_COLUMN_NAMES, alias);
/** SQL: the attachment row `alias` as a JSON object (revive with `attachmentFromJson`). */
export const attachmentJson = (alias: string) => jsonObject(ATTACHMENT_COLUMN_NAMES, alias);
export const userFromJson = (json: Json<PublicUser>) => fromJson<PublicUser>(json, DATE_COLUMNS.user);
export const roomFromJson = (json: Json<Room>) => fromJson<Room>(json, DATE_COLUMNS.room);
export const membershipFromJson = (json: Json<Membership>) => fromJson<Membership>(json, DATE_COLUMNS.membership);
export const attachmentFromJson = (json: Json<Attachment>) => fromJson<Attachment>(json, DATE_COLUMNS.attachment);

/** The users a message mentions, when they came with it (a message just sent, revived from its event). */
const carriedMentions = new WeakMap<object, PublicUser[]>();
export const mentionsCarried = (message: object): PublicUser[] | undefined => carriedMentions.get(message);
/** Keeps the users `message` mentions with it (its statement read them): carried with its event. */
export function withMentions<T extends object>(message: T, mentions: PublicUser[]): T {
  carriedMentions.set(message, mentions);
  return message;
}

export function carryMessage(message: MessageWithAuthor): CarriedMessage {
  const { author, room, attachments, ...row } = message;
  const mentions = carriedMentions.get(message);
  return {
    ...toJson(row, DATE_COLUMNS.message),
    author: toJson(author, DATE_COLUMNS.user),
    ...(room ? { room: toJson(room, DATE_COLUMNS.room) } : {}),
    ...(attachments ? { attachments: attachments.map((a) => toJson(a, DATE_COLUMNS.attachment)) } : {}),
    ...(mentions ? { mentions: mentions.map((user) => toJson(user, DATE_COLUMNS.user)) } : {}),
  };
}

export function reviveMessage(carried: CarriedMessage): MessageWithAuthor {
  const { author, room, attachments, mentions, ...row } = carried;
  const message: MessageWithAuthor = {
    ...fromJson<Message>(row, DATE_COLUMNS.message),
    author: userFromJson(author),
    ...(room ? { room: roomFromJson(room) } : {}),
    ...(attachments ? { attachments: attachments.map(attachmentFromJson) } : {}),
  };
  return mentions ? withMentions(message, mentions.map(userFromJson)) : message;
}

type Selection = Record<string, unknown>;
const isObject = (value: unknown): value is Selection =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `select: { … }` of the author asking only for public columns (a whole user row is more than we carry). */
function authorSelectCovered(nested: unknown): boolean {
  if (!isObject(nested) || Object.keys(nested).length !== 1 || !isObject(nested.select)) return false;
  return Object.entries(nested.select).every(([column, wanted]) => wanted === true && publicUserColumns.has(column));
}

/** A whole room row, or a selection of its columns only. */
function roomQueryCovered(nested: unknown): boolean {
  if (nested === true) return true;
  if (!isObject(nested) || Object.keys(nested).length !== 1 || !isObject(nested.select)) return false;
  return Object.entries(nested.select).every(([column, wanted]) => wanted === true && roomColumns.has(column));
}

/** All of a message's attachments in their order (what the schema's `attachments` field plans). */
const attachmentsQueryCovered = (nested: unknown): boolean =>
  nested === true ||
  (isObject(nested) &&
    Object.keys(nested).length === 1 &&
    isObject(nested.orderBy) &&
    Object.keys(nested.orderBy).length === 1 &&
    nested.orderBy.position === 'asc');

/** What the schema's viewer fields of a room select of the viewer's membership (schema/room.ts). */
const viewerMembershipColumns = new Set(['lastReadSeq', 'role', 'mutedUntil']);

/** `{ where: { userId: viewerId }, select: { … } }`: the viewer's own membership row, some of its columns. */
function viewerMembershipCovered(nested: unknown, viewerId: string): boolean {
  if (!isObject(nested) || Object.keys(nested).length !== 2) return false;
  const { where, select } = nested;
  if (!isObject(where) || Object.keys(where).length !== 1 || where.userId !== viewerId) return false;
  return (
    isObject(select) &&
    Object.entries(select).every(([column, wanted]) => wanted === true && viewerMembershipColumns.has(column))
  );
}

/**
 * Whether a Prisma selection of a room asks for nothing but the room's own columns and the
 * viewer's membership (as the schema's viewer fields plan it), i.e. whether a room row holding
 * `memberships: [the viewer's membership]` answers it as the database would. With `viewerId`
 * null the row holds no membership: only its own columns answer.
 */
export function answersRoomQuery(query: object, viewerId: string | null): boolean {
  const covered = (field: string, wanted: unknown) =>
    (wanted === true && roomColumns.has(field)) ||
    (field === 'memberships' && viewerId !== null && viewerMembershipCovered(wanted, viewerId));
  const { select, include, ...rest } = query as { select?: unknown; include?: unknown };
  if (Object.keys(rest).length > 0) return false;
  if (select !== undefined) {
    if (include !== undefined || !isObject(select)) return false;
    return Object.entries(select).every(([field, wanted]) => covered(field, wanted));
  }
  if (include === undefined) return true;
  return isObject(include) && Object.entries(include).every(([field, wanted]) => covered(field, wanted));
}

/** Whether a Prisma selection of a user (always `select`, schema/user.ts) asks for public columns only. */
export const answersUserQuery = (query: object): boolean => authorSelectCovered(query);

/** Which of the relations a message object can hold a Prisma selection of a message asks for. */
export function relationsIn(query: object): { room: boolean; attachments: boolean } {
  const { select, include } = query as { select?: object; include?: object };
  const fields = include ?? select ?? {};
  return { room: 'room' in fields, attachments: 'attachments' in fields };
}

/** Which of a message's relations an object holds beside its own columns. */
export const partsOf = (message: object) => ({
  author: 'author' in message,
  room: 'room' in message,
  attachments: 'attachments' in message,
});

/**
 * Whether a Prisma selection of a message (what Pothos plans for a GraphQL selection) asks for
 * nothing but the message's own columns and the relations `has` says are there (its author's
 * public columns, its room's columns, all its attachments), i.e. whether such a message object
 * answers it as the database would.
 */
export function answersMessageQuery(
  query: object,
  has: { author?: boolean; room?: boolean; attachments?: boolean },
): boolean {
  const relation = (field: string, nested: unknown): boolean =>
    field === 'author'
      ? !!has.author && authorSelectCovered(nested)
      : field === 'room'
        ? !!has.room && roomQueryCovered(nested)
        : field === 'attachments' && !!has.attachments && attachmentsQueryCovered(nested);
  const { select, include, ...rest } = query as { select?: unknown; include?: unknown };
  if (Object.keys(rest).length > 0) return false;
  if (select !== undefined) {
    if (include !== undefined || !isObject(select)) return false;
    return Object.entries(select).every(([field, wanted]) =>
      wanted === true && messageColumns.has(field) ? true : relation(field, wanted),
    );
  }
  if (include === undefined) return true;
  if (!isObject(include)) return false;
  return Object.entries(include).every(([field, wanted]) => relation(field, wanted));
}
