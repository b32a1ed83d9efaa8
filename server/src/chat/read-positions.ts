import { type Membership, Prisma, type Room } from '../generated/prisma/client.js';
import {
  type CarriedMember,
  type Json,
  membershipFromJson,
  membershipJson,
  roomFromJson,
  roomJson,
  userJson,
} from './carried.js';
import type { Reader } from './messages.js';
import { requireUser } from './policy.js';
import { accessRoom } from './rooms.js';
import { parseId, parseSeq } from './validation.js';

/**
 * Moves the viewer's read position forward to `seq` (clamped to the room's lastSeq), never back.
 * `receipt` is there when it moved (publish a read receipt only then): the room and the reader as
 * the statement read them, for the event to carry.
 */
export async function markRead(
  db: Reader,
  viewerId: string | null,
  roomId: string,
  seq: number,
): Promise<{ room: Room; lastReadSeq: number; receipt?: CarriedMember }> {
  const userId = requireUser(viewerId);
  const upTo = parseSeq('seq', seq);
  const id = parseId('roomId', roomId);
  // The usual case: a member's position moves forward (room.markRead asks only that the viewer be
  // a member), written with whatever other positions this replica is moving at the same moment.
  const moved = await writerOf(db).move({ roomId: id, userId, upTo });
  if (moved) {
    const membership = membershipFromJson(moved.membership);
    const room = Object.assign(roomFromJson(moved.room), { memberships: [membership] });
    return { room, lastReadSeq: membership.lastReadSeq, receipt: { room: moved.room, user: moved.user } };
  }
  // Nothing moved: not a member (refused here), or already read that far.
  const { room, membership } = await accessRoom(db.prisma, userId, id, 'room.markRead');
  const current = await db.prisma.membership.findUnique({ where: { roomId_userId: { roomId: room.id, userId } } });
  return { room, lastReadSeq: current?.lastReadSeq ?? membership?.lastReadSeq ?? 0 };
}

interface Wanted {
  roomId: string;
  userId: string;
  upTo: number;
}

/**
 * A position that moved: the room with the member's membership, as the schema's viewer fields
 * select it (the answer needs no second read), and the reader's public columns (for the receipt).
 */
type Moved = CarriedMember & { membership: Json<Membership> };

/** At most this many positions in one statement. */
const MOST_AT_ONCE = 500;

/**
 * Read positions are written one statement at a time per replica, and the positions asked for
 * while one is being written go together in the next. When a message arrives, every member
 * watching the room marks it read within moments: n statements (and n commits) become a few, which
 * costs the database a fraction per position (0.1-0.16 ms of a backend's CPU alone, 0.013 ms in a
 * statement of 13). A position alone is written at once; one asked for during a write waits for
 * it. The rule is the statement's: a member's position moves forward only, to at most the room's
 * lastSeq; anyone else's request changes nothing and comes back empty.
 */
class ReadPositionWriter {
  private queue: { wanted: Wanted; resolve: (moved: Moved | undefined) => void; reject: (error: unknown) => void }[] =
    [];
  private writing = false;

  constructor(private readonly db: Reader) {}

  move(wanted: Wanted): Promise<Moved | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ wanted, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll() {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.take();
      try {
        const moved = await this.write(batch.map((entry) => entry.wanted));
        batch.forEach((entry, i) => entry.resolve(moved[i]));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.writing = false;
  }

  /** The next statement's positions: one per member and room (a second waits for the next statement). */
  private take() {
    const taken: typeof this.queue = [];
    const left: typeof this.queue = [];
    const keys = new Set<string>();
    for (const entry of this.queue) {
      const key = `${entry.wanted.roomId}:${entry.wanted.userId}`;
      if (taken.length < MOST_AT_ONCE && !keys.has(key)) {
        keys.add(key);
        taken.push(entry);
      } else left.push(entry);
    }
    this.queue = left;
    return taken;
  }

  /** What moved, by position in `wanted`. */
  private async write(wanted: Wanted[]): Promise<(Moved | undefined)[]> {
    try {
      return await this.statement(wanted);
    } catch (error) {
      // Two replicas writing positions of the same members at once can deadlock (PostgreSQL then
      // cancels one statement): a position alone cannot, so each is written on its own.
      if (wanted.length === 1 || (error as { code?: string }).code !== '40P01') throw error;
      return Promise.all(wanted.map(async (one) => (await this.statement([one]))[0]));
    }
  }

  private async statement(wanted: Wanted[]): Promise<(Moved | undefined)[]> {
    // In the order of the primary key, the order rows are locked in where they can be.
    const order = wanted
      .map((one, i) => ({ ...one, i }))
      .sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : a.userId < b.userId ? -1 : 1));
    // One position as a row of values: the planner knows it is one (and looks it up by key at
    // once, whatever the tables' sizes); several as arrays, one statement text for any number.
    const source =
      order.length === 1
        ? Prisma.sql`(VALUES (${order[0]!.roomId}::uuid, ${order[0]!.userId}::uuid, ${order[0]!.upTo}::int, ${order[0]!.i}::int))`
        : Prisma.sql`unnest(${order.map((one) => one.roomId)}::uuid[], ${order.map((one) => one.userId)}::uuid[],
            ${order.map((one) => one.upTo)}::int[], ${order.map((one) => one.i)}::int[])`;
    const rows = await this.db.read<Moved & { i: number }>(
      Prisma.sql`
        UPDATE memberships SET last_read_seq = LEAST(wanted.up_to, rooms.last_seq)
        FROM ${source} AS wanted (room_id, user_id, up_to, i), rooms, users
        WHERE memberships.room_id = wanted.room_id AND memberships.user_id = wanted.user_id
          AND rooms.id = wanted.room_id AND users.id = wanted.user_id
          AND memberships.last_read_seq < LEAST(wanted.up_to, rooms.last_seq)
        RETURNING wanted.i, ${ROOM_OF_MEMBERSHIP} AS room, ${MOVED_MEMBERSHIP} AS membership, ${READER} AS "user"`,
      { prepare: true },
    );
    const moved: (Moved | undefined)[] = new Array(wanted.length).fill(undefined);
    for (const { i, ...row } of rows) moved[i] = row;
    return moved;
  }
}
const ROOM_OF_MEMBERSHIP = roomJson('rooms');
const MOVED_MEMBERSHIP = membershipJson('memberships');
const READER = userJson('users');

/** One writer per database (per replica). */
const writers = new WeakMap<Reader, ReadPositionWriter>();

function writerOf(db: Reader): ReadPositionWriter {
  let writer = writers.get(db);
  if (!writer) writers.set(db, (writer = new ReadPositionWriter(db)));
  return writer;
}
