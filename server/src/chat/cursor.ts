import { createHmac, timingSafeEqual } from 'node:crypto';
import { badInput } from '../errors.js';

/**
 * Opaque, signed page cursors. A cursor is base64url of
 *
 *     version (1 byte) · HMAC-SHA256(secret, version · payload) truncated to 12 bytes · payload
 *
 * where the payload is the JSON array [scope, ...key]. The scope says which list the cursor walks
 * (messages of a room, public rooms, …), so a cursor of one list is refused by another, and the
 * MAC makes forged or edited cursors fail. The secret must be the same on every replica.
 */

const VERSION = 1;
const MAC_BYTES = 12;
const MAX_CURSOR_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type CursorSecret = string | Buffer;
export type KeyPart = string | number;
type Shape = readonly ('string' | 'number')[];

function mac(secret: CursorSecret, signed: Buffer): Buffer {
  return createHmac('sha256', secret).update(signed).digest().subarray(0, MAC_BYTES);
}

/** A cursor for position `key` in the list named `scope`. */
export function encodeKeyCursor(secret: CursorSecret, scope: string, key: readonly KeyPart[]): string {
  const payload = Buffer.from(JSON.stringify([scope, ...key]), 'utf8');
  const version = Buffer.of(VERSION);
  return Buffer.concat([version, mac(secret, Buffer.concat([version, payload])), payload]).toString('base64url');
}

/** The key of a cursor of `scope`, checked against `shape`; BAD_USER_INPUT naming `field` otherwise. */
export function decodeKeyCursor(
  secret: CursorSecret,
  cursor: unknown,
  scope: string,
  field: string,
  shape: Shape,
): KeyPart[] {
  const invalid = () => badInput(field, 'is not a valid cursor');
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid();
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length <= 1 + MAC_BYTES || bytes[0] !== VERSION) throw invalid();
  const payload = bytes.subarray(1 + MAC_BYTES);
  const expected = mac(secret, Buffer.concat([bytes.subarray(0, 1), payload]));
  if (!timingSafeEqual(expected, bytes.subarray(1, 1 + MAC_BYTES))) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== scope || parsed.length !== shape.length + 1) throw invalid();
  const key = parsed.slice(1) as unknown[];
  const fits = key.every((part, i) =>
    shape[i] === 'number' ? typeof part === 'number' && Number.isFinite(part) : typeof part === 'string',
  );
  if (!fits) throw invalid();
  return key as KeyPart[];
}

const MESSAGES = 'messages';

/** The cursor of message `seq` in room `roomId`. */
export function encodeCursor(secret: CursorSecret, roomId: string, seq: number): string {
  return encodeKeyCursor(secret, MESSAGES, [roomId, seq]);
}

/**
 * The seq a message cursor points at. Malformed, forged, or from another list: "is not a valid
 * cursor"; from another room: "is a cursor of another room". Both BAD_USER_INPUT on `field`.
 */
export function decodeCursor(secret: CursorSecret, cursor: unknown, roomId: string, field: string): number {
  const [cursorRoomId, seq] = decodeKeyCursor(secret, cursor, MESSAGES, field, ['string', 'number']) as [
    string,
    number,
  ];
  if (!Number.isSafeInteger(seq) || seq < 0) throw badInput(field, 'is not a valid cursor');
  if (cursorRoomId !== roomId) throw badInput(field, 'is a cursor of another room');
  return seq;
}

/** A Relay connection as plain data: what a connection resolver returns as is. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export function toConnection<T>(
  nodes: readonly T[],
  cursorOf: (node: T) => string,
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
): Connection<T> {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      ...page,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
