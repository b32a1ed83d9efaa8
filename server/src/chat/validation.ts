import { USERNAME } from '../auth/validation.js';
import { badInput } from '../errors.js';

/**
 * Input rules of the chat. Each parser takes what the client sent and returns the value to store
 * or look up, or throws BAD_USER_INPUT naming the field. Lengths count characters (code points),
 * so an emoji is one character.
 */

export const ROOM_NAME_MAX = 64;
export const TOPIC_MAX = 500;
export const BODY_MAX = 4000;
export const CLIENT_MESSAGE_ID_MAX = 100;
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 100;
export const SINCE_DEFAULT = 100;
export const SINCE_MAX = 1000;
export const SEARCH_MAX = 256;
const INT_MAX = 2_147_483_647;

const length = (value: string) => [...value].length;

/**
 * Room names: letters and digits of any script, spaces and _ . - ' & + # ! ? ( ), at least one
 * letter or digit. No ':' (so no name can ever equal a DIRECT room's "direct:<id>:<id>" key), no
 * '@', ',', '/', emoji or control characters.
 */
const ROOM_NAME_CHARS = /^[\p{L}\p{M}\p{N} _.\-'&+#!?()]+$/u;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Control characters a message body may not hold (tab, newline and carriage return are fine). */
const BODY_FORBIDDEN = /(?![\t\n\r])\p{Cc}/u;
const CONTROL = /\p{Cc}/u;
/** Printable ASCII without spaces: UUIDs, ULIDs, counters, whatever a client uses. */
const CLIENT_MESSAGE_ID = /^[\x21-\x7e]+$/;
/** The username shape of API.md (auth/validation.ts holds the same rule for registration). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * A room name as stored (NFC, trimmed, runs of whitespace collapsed to one space) and its
 * case-insensitive unique key, lower(name).
 */
export function parseRoomName(value: unknown, field = 'name'): { name: string; nameKey: string } {
  if (!isString(value)) throw badInput(field, 'must be a string');
  const name = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw badInput(field, 'must not be empty');
  if (length(name) > ROOM_NAME_MAX) throw badInput(field, `must be at most ${ROOM_NAME_MAX} characters`);
  if (!ROOM_NAME_CHARS.test(name) || !HAS_LETTER_OR_DIGIT.test(name)) {
    throw badInput(field, "may only contain letters, digits, spaces and _ . - ' & + # ! ? ( )");
  }
  return { name, nameKey: roomNameKey(name) };
}

export function roomNameKey(name: string): string {
  return name.toLowerCase();
}

export function parseRoomKind(value: unknown): 'PUBLIC' | 'PRIVATE' {
  if (value === 'PUBLIC' || value === 'PRIVATE') return value;
  throw badInput('kind', 'must be PUBLIC or PRIVATE');
}

/** A topic: trimmed, at most 500 characters, one line; empty means none. */
export function parseTopic(value: unknown): string | null {
  if (value == null) return null;
  if (!isString(value)) throw badInput('topic', 'must be a string');
  const topic = value.trim();
  if (topic.length === 0) return null;
  if (length(topic) > TOPIC_MAX) throw badInput('topic', `must be at most ${TOPIC_MAX} characters`);
  if (CONTROL.test(topic)) throw badInput('topic', 'must not contain control characters or line breaks');
  return topic;
}

/**
 * A message body: trimmed, 1–4000 characters (0 allowed with `allowEmpty`: a message of
 * attachments); tabs and line breaks allowed, other control characters not.
 */
export function parseBody(value: unknown, allowEmpty = false): string {
  if (!isString(value)) throw badInput('body', 'must be a string');
  const body = value.trim();
  if (body.length === 0 && !allowEmpty) throw badInput('body', 'must not be empty');
  if (length(body) > BODY_MAX) throw badInput('body', `must be at most ${BODY_MAX} characters`);
  if (BODY_FORBIDDEN.test(body)) throw badInput('body', 'must not contain control characters');
  return body;
}

/** The sender's idempotency key: absent, or 1–100 printable ASCII characters (no spaces). */
export function parseClientMessageId(value: unknown): string | null {
  if (value == null) return null;
  if (
    !isString(value) ||
    value.length === 0 ||
    value.length > CLIENT_MESSAGE_ID_MAX ||
    !CLIENT_MESSAGE_ID.test(value)
  ) {
    throw badInput('clientMessageId', `must be 1–${CLIENT_MESSAGE_ID_MAX} printable ASCII characters without spaces`);
  }
  return value;
}

/** A username to look up, taken as given (no trimming); the key is lower(username). */
export function parseUsername(value: unknown, field = 'username'): { username: string; usernameKey: string } {
  if (!isString(value) || !USERNAME.test(value)) {
    throw badInput(field, 'must be 3–32 characters of letters, digits, "_", "." or "-"');
  }
  return { username: value, usernameKey: value.toLowerCase() };
}

/** A raw UUID (the GraphQL layer has already decoded the global id), lower-cased. */
export function parseId(field: string, value: unknown): string {
  if (!isString(value) || !UUID.test(value)) throw badInput(field, 'is not a valid id');
  return value.toLowerCase();
}

/** A message sequence number or read position: a whole number ≥ 0. */
export function parseSeq(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT_MAX) {
    throw badInput(field, 'must be a whole number of 0 or more');
  }
  return value;
}

export function parseCount(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw badInput(field, `must be between 1 and ${max}`);
  }
  return value;
}

export type Direction = 'forward' | 'backward';

/**
 * `first` / `last` of a connection: 1–100, not both. With neither, the page is `fallback` of the
 * default size (each list says which way it reads by default).
 */
export function parsePageSize(
  args: { first?: number | null; last?: number | null },
  fallback: Direction = 'forward',
  max = PAGE_MAX,
  defaultSize = PAGE_DEFAULT,
): { direction: Direction; size: number } {
  const { first, last } = args;
  if (first != null && last != null) throw badInput('last', 'cannot be used together with first');
  if (first != null) return { direction: 'forward', size: parseCount('first', first, max) };
  if (last != null) return { direction: 'backward', size: parseCount('last', last, max) };
  return { direction: fallback, size: Math.min(defaultSize, max) };
}

/** `first` of messagesSince: 1–1000, default 100. */
export function parseSinceCount(value: number | null | undefined): number {
  return value == null ? SINCE_DEFAULT : parseCount('first', value, SINCE_MAX);
}

/** Words to search messages for: trimmed, 1–256 characters. */
export function parseSearchText(value: unknown, field = 'query'): string {
  if (!isString(value)) throw badInput(field, 'must be a string');
  const text = value.trim();
  if (text.length === 0) throw badInput(field, 'must not be empty');
  if (length(text) > SEARCH_MAX) throw badInput(field, `must be at most ${SEARCH_MAX} characters`);
  if (CONTROL.test(text)) throw badInput(field, 'must not contain control characters');
  return text;
}

/** A room-name filter: trimmed and lower-cased; empty means no filter. */
export function parseRoomSearch(value: unknown): string | null {
  if (value == null) return null;
  if (!isString(value)) throw badInput('search', 'must be a string');
  const text = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (text.length === 0) return null;
  if (length(text) > ROOM_NAME_MAX) throw badInput('search', `must be at most ${ROOM_NAME_MAX} characters`);
  if (CONTROL.test(text)) throw badInput('search', 'must not contain control characters');
  return roomNameKey(text);
}

/** Distinct reactions a message may carry. */
export const REACTIONS_MAX = 50;
/** `:shortcode:` as typed: 2–32 of a-z, 0-9, _ + -. */
const SHORTCODE = /^:[a-z0-9_+-]{2,32}:$/;
/** What makes a grapheme an emoji: a pictograph, a flag's regional indicators, or a keycap. */
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
/** The longest emoji sequences (families, flags of subdivisions) are well under this many code units. */
const EMOJI_UNITS_MAX = 32;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A reaction: one Unicode emoji (one grapheme) or a `:shortcode:`, kept as typed. */
export function parseEmoji(value: unknown): string {
  if (!isString(value)) throw badInput('emoji', 'must be a string');
  if (SHORTCODE.test(value)) return value;
  const count = [...graphemes.segment(value)].length;
  if (count !== 1 || value.length > EMOJI_UNITS_MAX || !EMOJI.test(value) || CONTROL.test(value)) {
    throw badInput('emoji', 'must be one emoji or a :shortcode: of 2–32 characters a-z, 0-9, _, + or -');
  }
  return value;
}

/** `limit` of messagesAround: 1–100, default 50. */
export function parseAroundLimit(value: number | null | undefined): number {
  return value == null ? PAGE_DEFAULT : parseCount('limit', value, PAGE_MAX);
}

/**
 * The username keys named as `@username` in a body (lower-cased, each once). A name counts when
 * the `@` starts the body or follows a character that cannot be part of an address or a name.
 */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([a-zA-Z0-9_.-]{3,32})(?![a-zA-Z0-9_-])/gu;
export function mentionedUsernameKeys(body: string): string[] {
  const keys = new Set<string>();
  for (const match of body.matchAll(MENTION)) keys.add(match[1]!.replace(/\.+$/, '').toLowerCase());
  return [...keys].filter((key) => key.length >= 3);
}

// ——— Moderation ——————————————————————————————————————————————————————————————————————————————

export const SLOW_MODE_MAX = 3600;
export const REASON_MAX = 500;
/** How far ahead a ban or mute may end. */
export const MODERATION_HORIZON_MS = 366 * 24 * 60 * 60 * 1000;

/** Seconds between a member's messages: a whole number 0 (off) to 3600. */
export function parseSlowModeSeconds(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > SLOW_MODE_MAX) {
    throw badInput('slowModeSeconds', `must be a whole number from 0 to ${SLOW_MODE_MAX}`);
  }
  return value;
}

/** A moderator's reason: trimmed, at most 500 characters; empty or omitted means none (or, `required`, refused). */
export function parseReason(value: unknown, required = false): string | null {
  if (value == null && !required) return null;
  if (!isString(value)) throw badInput('reason', 'must be a string');
  const reason = value.trim();
  if (reason.length === 0) {
    if (required) throw badInput('reason', 'must not be empty');
    return null;
  }
  if (length(reason) > REASON_MAX) throw badInput('reason', `must be at most ${REASON_MAX} characters`);
  if (CONTROL.test(reason.replace(/[\n\t]/g, ' '))) throw badInput('reason', 'must not contain control characters');
  return reason;
}

/** When a ban or mute ends: in the future, at most a year ahead (`required`: a mute needs one). */
export function parseUntil(value: unknown, required: boolean, now = Date.now()): Date | null {
  if (value == null) {
    if (required) throw badInput('until', 'is required');
    return null;
  }
  const until = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(until.getTime())) throw badInput('until', 'is not a valid date and time');
  if (until.getTime() <= now) throw badInput('until', 'must be in the future');
  if (until.getTime() > now + MODERATION_HORIZON_MS) throw badInput('until', 'must be at most a year ahead');
  return until;
}

export function parseRole(value: unknown): 'OWNER' | 'MODERATOR' | 'MEMBER' {
  if (value === 'OWNER' || value === 'MODERATOR' || value === 'MEMBER') return value;
  throw badInput('role', 'must be OWNER, MODERATOR or MEMBER');
}
