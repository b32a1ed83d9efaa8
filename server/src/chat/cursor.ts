import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { badInput } from '../errors.js';

/**
 * Opaque, signed page cursors. A message cursor has a format of its own (below); any other is
 * base64url of
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

/** Keys made once per secret: a KeyObject skips preparing the key every time it is used. */
function keyCache(derive: (secret: Buffer) => Buffer) {
  const keys = new Map<CursorSecret, KeyObject>();
  return (secret: CursorSecret): KeyObject => {
    let key = keys.get(secret);
    if (!key) {
      key = createSecretKey(derive(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret));
      if (keys.size >= 16) keys.clear();
      keys.set(secret, key);
    }
    return key;
  };
}
const keyOf = keyCache((secret) => secret);

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

/*
 * A message cursor is base64url of 17 bytes: version 2, then one AES-128 block encrypted under a
 * key derived from the secret, holding
 *
 *     "msg2" (4 bytes) · the first 6 bytes of SHA-256(room id) · seq (6 bytes, big-endian)
 *
 * One block under a block cipher is a MAC and an encryption at once: without the key, a changed or
 * made-up cursor decrypts to 16 random bytes, and starts with "msg2" once in 2^32 tries (and then
 * names this room once in 2^48). History pages hand out up to 102 of these per request, so a page's
 * cursors are made by one cipher call (ECB over independent blocks) instead of an HMAC each.
 * Cursors of version 1 (JSON signed by HMAC) are still read.
 */
const MESSAGE_VERSION = 2;
const MESSAGE_MARK = Buffer.from('msg2', 'latin1');
const BLOCK = 16;
const TAG_BYTES = 6;
const SEQ_BYTES = 6;
const MESSAGE_CURSOR_LENGTH = Math.ceil(((1 + BLOCK) * 4) / 3);
const messageKeyOf = keyCache((secret) =>
  createHmac('sha256', secret).update('message cursors').digest().subarray(0, BLOCK),
);

function roomTag(roomId: string): Buffer {
  return createHash('sha256').update(roomId).digest().subarray(0, TAG_BYTES);
}

function messageCipher(secret: CursorSecret, decrypt: boolean) {
  const key = messageKeyOf(secret);
  const cipher = decrypt ? createDecipheriv('aes-128-ecb', key, null) : createCipheriv('aes-128-ecb', key, null);
  return cipher.setAutoPadding(false);
}

/** The cursors of messages `seqs` of room `roomId`, in one cipher call. */
export function encodeCursors(secret: CursorSecret, roomId: string, seqs: readonly number[]): string[] {
  const tag = roomTag(roomId);
  const plain = Buffer.allocUnsafe(BLOCK * seqs.length);
  seqs.forEach((seq, i) => {
    const at = i * BLOCK;
    MESSAGE_MARK.copy(plain, at);
    tag.copy(plain, at + MESSAGE_MARK.length);
    plain.writeUIntBE(seq, at + BLOCK - SEQ_BYTES, SEQ_BYTES);
  });
  const sealed = messageCipher(secret, false).update(plain);
  const bytes = Buffer.allocUnsafe(1 + BLOCK);
  bytes[0] = MESSAGE_VERSION;
  return seqs.map((_, i) => {
    sealed.copy(bytes, 1, i * BLOCK, (i + 1) * BLOCK);
    return bytes.toString('base64url');
  });
}

/** The cursor of message `seq` in room `roomId`. */
export function encodeCursor(secret: CursorSecret, roomId: string, seq: number): string {
  return encodeCursors(secret, roomId, [seq])[0]!;
}

/**
 * The seq a message cursor points at. Malformed, forged, or from another list: "is not a valid
 * cursor"; from another room: "is a cursor of another room". Both BAD_USER_INPUT on `field`.
 */
export function decodeCursor(secret: CursorSecret, cursor: unknown, roomId: string, field: string): number {
  const invalid = () => badInput(field, 'is not a valid cursor');
  const otherRoom = () => badInput(field, 'is a cursor of another room');
  if (typeof cursor === 'string' && cursor.length === MESSAGE_CURSOR_LENGTH && BASE64URL.test(cursor)) {
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes[0] !== MESSAGE_VERSION) throw invalid();
    const plain = messageCipher(secret, true).update(bytes.subarray(1));
    if (!plain.subarray(0, MESSAGE_MARK.length).equals(MESSAGE_MARK)) throw invalid();
    if (!plain.subarray(MESSAGE_MARK.length, BLOCK - SEQ_BYTES).equals(roomTag(roomId))) throw otherRoom();
    return plain.readUIntBE(BLOCK - SEQ_BYTES, SEQ_BYTES);
  }
  const [cursorRoomId, seq] = decodeKeyCursor(secret, cursor, MESSAGES, field, ['string', 'number']) as [
    string,
    number,
  ];
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalid();
  if (cursorRoomId !== roomId) throw otherRoom();
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
 * The connection of `nodes`. A cursor is made when it is first read, by `cursors` for one node, or
 * by `cursors.all` for the whole page at once: a page whose cursors are not asked for makes none.
 *
 * Edges and page info are class instances with their getters on the prototype, not object literals
 * with getters: V8 keeps a getter defined in a literal in an accessor pair it allocates in old
 * space, and until the next full GC that pair keeps the getter's closure, and so the whole page,
 * alive through every young-generation GC. Every page was copied and promoted that way (with
 * Prisma's own such getter, see `Database.read`), which made those GCs twice as long.
 */
export function toConnection<T>(
  nodes: readonly T[],
  cursors: ((node: T) => string) | { all: (nodes: readonly T[]) => string[] },
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
): Connection<T> {
  const list = new CursorList(nodes, cursors);
  return { edges: nodes.map((node, i) => new Edge(node, list, i)), pageInfo: new PageInfo(list, page) };
}

class CursorList<T> {
  private made: (string | undefined)[] = [];
  constructor(
    readonly nodes: readonly T[],
    private readonly cursors: ((node: T) => string) | { all: (nodes: readonly T[]) => string[] },
  ) {}

  at(i: number): string {
    const { cursors } = this;
    if (typeof cursors === 'function') return (this.made[i] ??= cursors(this.nodes[i]!));
    if (this.made.length === 0) this.made = cursors.all(this.nodes);
    return this.made[i]!;
  }
}

class Edge<T> {
  constructor(
    readonly node: T,
    private readonly list: CursorList<T>,
    private readonly index: number,
  ) {}

  get cursor(): string {
    return this.list.at(this.index);
  }
}

class PageInfo<T> {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  constructor(
    private readonly list: CursorList<T>,
    page: { hasNextPage: boolean; hasPreviousPage: boolean },
  ) {
    this.hasNextPage = page.hasNextPage;
    this.hasPreviousPage = page.hasPreviousPage;
  }

  get startCursor(): string | null {
    return this.list.nodes.length > 0 ? this.list.at(0) : null;
  }

  get endCursor(): string | null {
    const last = this.list.nodes.length - 1;
    return last >= 0 ? this.list.at(last) : null;
  }
}
