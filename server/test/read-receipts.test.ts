import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient } from './support/chat.js';
import { connect, eventually, subscribe, type Subscription } from './support/live.js';
import { replicaSetups, startReplicas } from './support/pubsub-modes.js';
import { registerUser, type Session } from './support/users.js';

/**
 * Who hears a read receipt: every member in a room of up to READ_RECEIPTS_MAX_MEMBERS members (2
 * here), only the reader's own sessions in a larger one, on every replica.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const EVENTS = `
  __typename
  ... on MessageCreated { message { seq body } }
  ... on ReadReceipt { user { username } lastReadSeq }`;
const ROOM_EVENTS = `subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { ${EVENTS} } }`;
const MY_EVENTS = `subscription { myEvents { ${EVENTS} } }`;

type Event = {
  __typename: string;
  message?: { seq: number; body: string };
  user?: { username: string };
  lastReadSeq?: number;
};
const eventsOf = (sub: Subscription) => sub.events().map((e) => (e.roomEvents ?? e.myEvents) as Event);
/** What a stream heard, receipts and messages, in order. */
const summary = (sub: Subscription) =>
  eventsOf(sub).map((e) =>
    e.__typename === 'ReadReceipt'
      ? `read ${e.user!.username} ${e.lastReadSeq}`
      : e.message
        ? `message ${e.message.body}`
        : e.__typename,
  );

describe.each(replicaSetups)('read receipts with $name', (setup) => {
  let urls: string[];
  let owner: Session;
  let reader: Session;
  let third: Session;
  const on = (i: number) => urls[i % urls.length]!;
  const wsOf = (url: string) => `${url.replace(/^http/, 'ws')}/graphql`;

  beforeAll(async () => {
    urls = (await startReplicas(setup, cleanups, { READ_RECEIPTS_MAX_MEMBERS: '2' })).map((replica) => replica.url);
    [owner, reader, third] = await Promise.all([registerUser(on(0)), registerUser(on(0)), registerUser(on(0))]);
  });

  const open = (i: number, token?: string) => {
    const socket = connect(wsOf(on(i)), token);
    cleanups.push(() => socket.dispose());
    return socket;
  };
  const shares = async (roomId: string) =>
    (
      await chatClient(on(0), owner.accessToken).data('query ($id: ID!) { room(id: $id) { sharesReadReceipts } }', {
        id: roomId,
      })
    ).room.sharesReadReceipts as boolean;

  /**
   * Streams of the room on both replicas: the owner's roomEvents and myEvents, a guest's roomEvents,
   * and the reader's own on another device. Returns them once each has heard a message.
   */
  async function listen(roomId: string) {
    const ownerSocket = open(1, owner.accessToken);
    const readerSocket = open(1, reader.accessToken);
    const streams = {
      owner: subscribe(ownerSocket, ROOM_EVENTS, { roomId }),
      ownerMine: subscribe(open(0, owner.accessToken), MY_EVENTS),
      guest: subscribe(open(1), ROOM_EVENTS, { roomId }),
      reader: subscribe(readerSocket, ROOM_EVENTS, { roomId }),
      readerMine: subscribe(open(0, reader.accessToken), MY_EVENTS),
    };
    const sender = chatClient(on(0), owner.accessToken);
    // Subscriptions start asynchronously: send until every stream hears one.
    await eventually(async () => {
      await sender.send(roomId, 'warm-up');
      await new Promise((r) => setTimeout(r, 50));
      return Object.values(streams).every((s) => eventsOf(s).length > 0);
    });
    return streams;
  }

  /**
   * The reader reads up to a new message through replica 0, then the owner sends `after` through
   * it: the receipt is published before `after` on the room's channel, so a stream that heard
   * `after` and no receipt was not told of it.
   */
  async function readThenSend(roomId: string, streams: Record<string, Subscription>, after: string) {
    const owner0 = chatClient(on(0), owner.accessToken);
    const seq = (await owner0.send(roomId, `to read before ${after}`)).data!.sendMessage.seq as number;
    const read = await chatClient(on(0), reader.accessToken).markRead(roomId, seq);
    expect(read.data!.markRead.viewerLastReadSeq).toBe(seq);
    await owner0.send(roomId, after);
    for (const sub of Object.values(streams)) {
      await sub.waitFor((events) => events.some((e) => (e.roomEvents ?? e.myEvents).message?.body === after));
    }
    return seq;
  }
  /** What a stream heard from the message it read to the message after. */
  const window = (sub: Subscription, after: string) => {
    const heard = summary(sub);
    return heard.slice(
      heard.findIndex((s) => s.startsWith('message to read before')),
      heard.indexOf(`message ${after}`) + 1,
    );
  };

  it('reaches every member, and guests, in a room of up to the limit', async () => {
    const roomId = (await chatClient(on(0), owner.accessToken).createRoom(`small-${owner.user.username}`)).data!
      .createRoom.id as string;
    await chatClient(on(1), reader.accessToken).joinRoom({ roomId });
    expect(await shares(roomId)).toBe(true);
    const streams = await listen(roomId);
    const seq = await readThenSend(roomId, streams, 'after small');
    const told = [`message to read before after small`, `read ${reader.user.username} ${seq}`, 'message after small'];
    for (const sub of Object.values(streams)) expect(window(sub, 'after small')).toEqual(told);
  });

  it('reaches only the reader’s own sessions in a larger room, and everyone again once it is small', async () => {
    const owner0 = chatClient(on(0), owner.accessToken);
    const roomId = (await owner0.createRoom(`large-${owner.user.username}`)).data!.createRoom.id as string;
    await chatClient(on(1), reader.accessToken).joinRoom({ roomId });
    await chatClient(on(0), third.accessToken).joinRoom({ roomId });
    expect(await shares(roomId)).toBe(false);
    const streams = await listen(roomId);
    const seq = await readThenSend(roomId, streams, 'after large');
    const receipt = `read ${reader.user.username} ${seq}`;
    expect(window(streams.reader, 'after large')).toContain(receipt);
    expect(window(streams.readerMine, 'after large')).toContain(receipt);
    for (const sub of [streams.owner, streams.ownerMine, streams.guest]) {
      expect(window(sub, 'after large')).toEqual([`message to read before after large`, 'message after large']);
    }
    // The reader's unread count moved all the same.
    expect((await chatClient(on(1), reader.accessToken).room(roomId)).data!.room.unreadCount).toBe(1);

    // Back to two members: the rule follows the room's size when the receipt is made.
    await chatClient(on(0), third.accessToken).leaveRoom(roomId);
    expect(await shares(roomId)).toBe(true);
    const again = await readThenSend(roomId, streams, 'after shrinking');
    for (const sub of Object.values(streams)) {
      expect(window(sub, 'after shrinking')).toContain(`read ${reader.user.username} ${again}`);
    }
  });
});
