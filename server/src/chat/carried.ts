import { type Message, Prisma, type User } from '../generated/prisma/client.js';

const PUBLIC_USER_COLUMNS = ['id', 'username', 'displayName', 'createdAt'] as const;
/** The columns of a user that are loaded whenever one is, as a Prisma `select`. */
export const PUBLIC_USER_SELECT = Object.fromEntries(PUBLIC_USER_COLUMNS.map((column) => [column, true])) as {
  [column in (typeof PUBLIC_USER_COLUMNS)[number]]: true;
};

/**
 * A message as its sender's replica wrote it, with its author's public columns: carried in the live
 * event so that every replica can answer its subscribers without loading the message again, and
 * returned by the mutation without a second statement. Never the author's password hash.
 */
export type PublicUser = Pick<User, (typeof PUBLIC_USER_COLUMNS)[number]>;
export type MessageWithAuthor = Message & { author: PublicUser };

/** The same, as it travels in an event: JSON, so instants as ISO strings. */
export type CarriedMessage = Omit<Message, 'createdAt' | 'editedAt' | 'deletedAt' | 'lastReplyAt' | 'pinnedAt'> & {
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  lastReplyAt: string | null;
  pinnedAt: string | null;
  author: Omit<PublicUser, 'createdAt'> & { createdAt: string };
};

const publicUserColumns = new Set<string>(PUBLIC_USER_COLUMNS);
/** Every column of a message row (what the generated client reads; not the search vector). */
const messageColumns = new Set<string>(Object.values(Prisma.MessageScalarFieldEnum));

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const date = (value: string | null) => (value === null ? null : new Date(value));

export function carryMessage(message: MessageWithAuthor): CarriedMessage {
  const { author, createdAt, editedAt, deletedAt, lastReplyAt, pinnedAt, ...rest } = message;
  return {
    ...rest,
    createdAt: createdAt.toISOString(),
    editedAt: iso(editedAt),
    deletedAt: iso(deletedAt),
    lastReplyAt: iso(lastReplyAt),
    pinnedAt: iso(pinnedAt),
    author: { ...author, createdAt: author.createdAt.toISOString() },
  };
}

export function reviveMessage(carried: CarriedMessage): MessageWithAuthor {
  const { author, createdAt, editedAt, deletedAt, lastReplyAt, pinnedAt, ...rest } = carried;
  return {
    ...rest,
    createdAt: new Date(createdAt),
    editedAt: date(editedAt),
    deletedAt: date(deletedAt),
    lastReplyAt: date(lastReplyAt),
    pinnedAt: date(pinnedAt),
    author: { ...author, createdAt: new Date(author.createdAt) },
  };
}

type Selection = Record<string, unknown>;
const isObject = (value: unknown): value is Selection =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `select: { … }` of the author asking only for public columns (a whole user row is more than we carry). */
function authorSelectCovered(nested: unknown): boolean {
  if (!isObject(nested) || Object.keys(nested).length !== 1 || !isObject(nested.select)) return false;
  return Object.entries(nested.select).every(([column, wanted]) => wanted === true && publicUserColumns.has(column));
}

/**
 * Whether a Prisma selection of a message (what Pothos plans for a GraphQL selection) asks for
 * nothing but the message's own columns (and, `withAuthor`, its author's public columns), i.e.
 * whether a `Message` (`MessageWithAuthor`) answers it as the database would.
 */
export function answersMessageQuery(query: object, withAuthor: boolean): boolean {
  const authorCovered = (nested: unknown) => withAuthor && authorSelectCovered(nested);
  const { select, include, ...rest } = query as { select?: unknown; include?: unknown };
  if (Object.keys(rest).length > 0) return false;
  if (select !== undefined) {
    if (include !== undefined || !isObject(select)) return false;
    return Object.entries(select).every(([field, wanted]) =>
      field === 'author' ? authorCovered(wanted) : wanted === true && messageColumns.has(field),
    );
  }
  if (include === undefined) return true;
  if (!isObject(include)) return false;
  return Object.entries(include).every(([field, wanted]) => field === 'author' && authorCovered(wanted));
}
