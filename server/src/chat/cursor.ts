import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
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

/** HMAC keys made once per secret: an HMAC from a KeyObject skips preparing the key every time. */
const keys = new Map<CursorSecret, KeyObject>();
function keyOf(secret: CursorSecret): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
    if (keys.size >= 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** The MAC of `version · payload` (the bytes before and after the MAC in a cursor). */
function mac(secret: CursorSecret, version: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', keyOf(secret)).update(version).update(payload).digest().subarray(0, MAC_BYTES);
}

/** A cursor for position `key` in the list named `scope`. */
export function encodeKeyCursor(secret: CursorSecret, scope: string, key: readonly KeyPart[]): string {
  const payload = JSON.stringify([scope, ...key]);
  const length = Buffer.byteLength(payload, 'utf8');
  const bytes = Buffer.allocUnsafe(1 + MAC_BYTES + length);
  bytes[0] = VERSION;
  bytes.write(payload, 1 + MAC_BYTES, 'utf8');
  mac(secret, bytes.subarray(0, 1), bytes.subarray(1 + MAC_BYTES)).copy(bytes, 1);
  return bytes.toString('base64url');
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
  const expected = mac(secret, bytes.subarray(0, 1), payload);
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

/**
 * The connection of `nodes`. A cursor is signed when it is first read: a page whose cursors are not
 * asked for (or only its start and end) signs none (or two).
 */
export function toConnection<T>(
  nodes: readonly T[],
  cursorOf: (node: T) => string,
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
): Connection<T> {
  const edges = nodes.map((node) => {
    let cursor: string | undefined;
    return {
      node,
      get cursor() {
        return (cursor ??= cursorOf(node));
      },
    };
  });
  return {
    edges,
    pageInfo: {
      ...page,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
  };
}
