// Reactions, threads, pins, mentions and jumping to a message, over a real server on both
// databases: what each does, and each refusal (a clear error naming the field, nothing written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, outcome, parties, type ChatClient } from './support/chat.js';
import { databaseKinds, freshDatabaseEnv } from './support/databases.js';
import { redisUrl } from './support/env.js';
import type { GraphQLResponse } from './support/graphql.js';
import { connect, eventually, subscribe } from './support/live.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const MESSAGE_FIELDS = `id seq body replyCount lastReplyAt threadRootId threadRoot { id } pinnedAt pinnedBy { username }
  mentions { username } reactions { emoji count viewerReacted users { username } }`;

/** The field a refusal names, and its code. */
function refusal(response: GraphQLResponse): { code: unknown; field: unknown } {
  expect(response.errors, JSON.stringify(response)).toHaveLength(1);
  const { code, field } = response.errors![0]!.extensions ?? {};
  return { code, field };
}

describe.each(databaseKinds)('conversations on the %s database', (kind) => {
  let server: TestServer;
  let owner: Session;
  let member: Session;
  let outsider: Session;
  let as: Record<'owner' | 'member' | 'outsider' | 'guest', ChatClient>;
  let publicRoom: string;
  let privateRoom: string;

  const react = (c: ChatClient, messageId: string, emoji: string, add = true) =>
    c.call(
      `mutation ($i: ReactionInput!) { ${add ? 'addReaction' : 'removeReaction'}(input: $i) { ${MESSAGE_FIELDS} } }`,
      { i: { messageId, emoji } },
    );
  const send = (c: ChatClient, roomId: string, body: string, threadRootId?: string) =>
    c.call(`mutation ($i: SendMessageInput!) { sendMessage(input: $i) { ${MESSAGE_FIELDS} } }`, {
      i: { roomId, body, threadRootId },
    });
  const sent = async (c: ChatClient, roomId: string, body: string, threadRootId?: string) => {
    const response = await send(c, roomId, body, threadRootId);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!.sendMessage as { id: string; seq: number };
  };
  const message = async (c: ChatClient, id: string) =>
    (await c.data(`query ($id: ID!) { node(id: $id) { ... on Message { ${MESSAGE_FIELDS} } } }`, { id })).node;
  const pin = (c: ChatClient, messageId: string, pinned = true) =>
    c.call(
      `mutation ($i: PinMessageInput!) { ${pinned ? 'pinMessage' : 'unpinMessage'}(input: $i) { id pinnedAt pinnedBy { username } } }`,
      { i: { messageId } },
    );
  const lastSeq = async (roomId: string) => (await as.owner.room(roomId)).data!.room.lastSeq as number;

  beforeAll(async () => {
    server = await startServer(await freshDatabaseEnv(cleanups, kind), { countQueries: true });
    cleanups.push(server.stop);
    ({ owner, member, outsider, as } = await parties(server.url));
    publicRoom = (await as.owner.createRoom(uniqueName('conv-pub'))).data!.createRoom.id;
    await as.member.joinRoom({ roomId: publicRoom });
    privateRoom = (await as.owner.createRoom(uniqueName('conv-priv'), 'PRIVATE')).data!.createRoom.id;
    await as.owner.invite(privateRoom, member.user.username);
    await as.member.joinRoom({ roomId: privateRoom });
  });

  describe('Mutation.addReaction / removeReaction', () => {
    it('counts reactions most used first, says whether the viewer reacted, and is idempotent', async () => {
      const { id } = await sent(as.owner, publicRoom, 'react to me');
      expect((await react(as.owner, id, '👍')).data!.addReaction.reactions).toEqual([
        { emoji: '👍', count: 1, viewerReacted: true, users: [{ username: owner.user.username }] },
      ]);
      await react(as.owner, id, '👍'); // again: nothing changes
      await react(as.member, id, ':party_parrot:');
      const both = (await react(as.member, id, '👍')).data!.addReaction.reactions;
      expect(both).toEqual([
        {
          emoji: '👍',
          count: 2,
          viewerReacted: true,
          users: [{ username: owner.user.username }, { username: member.user.username }],
        },
        { emoji: ':party_parrot:', count: 1, viewerReacted: true, users: [{ username: member.user.username }] },
      ]);
      // The owner sees the same counts with their own viewerReacted; a guest reacted to nothing.
      expect((await message(as.owner, id)).reactions.map((r: any) => [r.emoji, r.count, r.viewerReacted])).toEqual([
        ['👍', 2, true],
        [':party_parrot:', 1, false],
      ]);
      expect((await message(as.guest, id)).reactions.map((r: any) => r.viewerReacted)).toEqual([false, false]);
      // Emoji sequences are one grapheme.
      for (const emoji of ['👨‍👩‍👧‍👦', '🇫🇷', '1️⃣', '👍🏽']) expect(outcome(await react(as.member, id, emoji))).toBe('OK');

      await react(as.member, id, ':party_parrot:', false);
      await react(as.member, id, ':party_parrot:', false); // idempotent
      const after = (await message(as.member, id)).reactions;
      expect(after.map((r: any) => r.emoji)).not.toContain(':party_parrot:');
      expect(after[0]).toMatchObject({ emoji: '👍', count: 2 });
    });

    it('a history page and messagesAround show each viewer the reactions the message itself shows', async () => {
      const roomId = (await as.owner.createRoom(uniqueName('conv-page'))).data!.createRoom.id as string;
      await as.member.joinRoom({ roomId });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await sent(as.owner, roomId, `page ${i}`)).id);
      await react(as.owner, ids[1]!, '👍');
      await react(as.member, ids[1]!, '👍');
      await react(as.member, ids[1]!, ':eyes:');
      await react(as.member, ids[3]!, '🎉');
      // Through a fragment, as clients write it.
      const FRAGMENT = 'fragment R on Message { id reactions { emoji count viewerReacted users { username } } }';
      const PAGE = `query ($r: ID!) { messages(roomId: $r, last: 10) { edges { node { ...R } } } } ${FRAGMENT}`;
      const AROUND = `query ($r: ID!) { messagesAround(roomId: $r, seq: 2, limit: 10) { edges { node { ...R } } } } ${FRAGMENT}`;
      for (const c of [as.owner, as.member, as.guest]) {
        const each = await Promise.all(ids.map(async (id) => ({ id, reactions: (await message(c, id)).reactions })));
        expect(each[1]!.reactions).toHaveLength(2);
        for (const q of [PAGE, AROUND]) {
          const data = await c.data(q, { r: roomId });
          const page = (data.messages ?? data.messagesAround).edges.map((e: { node: unknown }) => e.node);
          expect(page).toEqual(each);
        }
      }
    });

    it('refuses a bad emoji, guests, non-members, deleted and unknown messages, writing nothing', async () => {
      const { id } = await sent(as.owner, privateRoom, 'private words');
      for (const emoji of ['abc', '😀😀', ':A:', ':x:', 'a', '', ' 👍', `:${'a'.repeat(33)}:`]) {
        expect(refusal(await react(as.member, id, emoji)), emoji).toEqual({ code: 'BAD_USER_INPUT', field: 'emoji' });
      }
      expect(refusal(await react(as.guest, id, '👍')).code).toBe('UNAUTHENTICATED');
      expect(refusal(await react(as.outsider, id, '👍')).code).toBe('FORBIDDEN');
      // A PUBLIC room is readable by anyone, but only its members react.
      const pub = await sent(as.owner, publicRoom, 'public words');
      expect(refusal(await react(as.outsider, pub.id, '👍')).code).toBe('FORBIDDEN');
      expect(refusal(await react(as.member, 'not-an-id', '👍'))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'messageId',
      });
      const deleted = await sent(as.owner, publicRoom, 'soon gone');
      await as.owner.remove(deleted.id);
      expect(refusal(await react(as.member, deleted.id, '👍'))).toEqual({ code: 'BAD_USER_INPUT', field: 'messageId' });
      const unknown = Buffer.from('Message:6f1c0e7e-3a53-4a57-9a4f-0d4c1b1f7a11').toString('base64');
      expect(refusal(await react(as.member, unknown, '👍')).code).toBe('NOT_FOUND');
      expect((await message(as.owner, id)).reactions).toEqual([]);
      expect((await message(as.owner, pub.id)).reactions).toEqual([]);
    });

    it('keeps at most 50 different reactions on a message', async () => {
      const { id } = await sent(as.owner, publicRoom, 'popular');
      const codes = Array.from({ length: 50 }, (_, i) => `:r${String(i).padStart(2, '0')}:`);
      for (const emoji of codes) expect(outcome(await react(as.owner, id, emoji))).toBe('OK');
      expect(refusal(await react(as.member, id, ':one_more:'))).toEqual({ code: 'BAD_USER_INPUT', field: 'emoji' });
      // One already there may still be added to.
      expect(outcome(await react(as.member, id, ':r07:'))).toBe('OK');
      const reactions = (await message(as.owner, id)).reactions;
      expect(reactions).toHaveLength(50);
      expect(reactions[0]).toMatchObject({ emoji: ':r07:', count: 2 });
    });

    it('adds, repeats and removes a reaction in one statement each', async () => {
      const { id } = await sent(as.member, publicRoom, 'one statement');
      const statements = async (add: boolean) => {
        const before = server.app.services.db.queryCount();
        const response = await as.owner.call(
          `mutation ($i: ReactionInput!) { ${add ? 'addReaction' : 'removeReaction'}(input: $i) { id body } }`,
          { i: { messageId: id, emoji: '👀' } },
        );
        expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
        return server.app.services.db.queryCount() - before;
      };
      // The change, its checks and its webhook event together; the answer's own fields come with it.
      expect(await statements(true)).toBe(1);
      expect(await statements(true)).toBe(1); // already there: nothing changed
      expect((await message(as.member, id)).reactions).toEqual([
        { emoji: '👀', count: 1, viewerReacted: false, users: [{ username: owner.user.username }] },
      ]);
      expect(await statements(false)).toBe(1);
      expect(await statements(false)).toBe(1);
      expect((await message(as.member, id)).reactions).toEqual([]);
    });

    it('lets only one of several new emoji sent at once take a message\u2019s last place', async () => {
      const { id } = await sent(as.owner, publicRoom, 'nearly full');
      for (let i = 0; i < 49; i++)
        expect(outcome(await react(as.owner, id, `:f${String(i).padStart(2, '0')}:`))).toBe('OK');
      const people = await Promise.all(Array.from({ length: 4 }, () => registerUser(server.url)));
      const clients = people.map((p) => chatClient(server.url, p.accessToken));
      for (const c of clients) await c.joinRoom({ roomId: publicRoom });
      const results = await Promise.all(clients.map((c, i) => react(c, id, `:last${i}:`)));
      expect(results.map(outcome).sort()).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'OK']);
      for (const result of results.filter((r) => r.errors)) expect(refusal(result).field).toBe('emoji');
      expect((await message(as.owner, id)).reactions).toHaveLength(50);
    });

    it('says whether the viewer reacted past the 20 reactors a message keeps with its reactions', async () => {
      const roomId = (await as.owner.createRoom(uniqueName('conv-many'))).data!.createRoom.id as string;
      const sessions: Session[] = [];
      for (let i = 0; i < 22; i++) sessions.push(await registerUser(server.url));
      const people = sessions.map((s) => chatClient(server.url, s.accessToken));
      for (const c of people) await c.joinRoom({ roomId });
      const { id } = await sent(as.owner, roomId, 'popular');
      for (const c of people) expect(outcome(await react(c, id, '👍'))).toBe('OK');
      // Live too: one execution for both viewers, each told whether they reacted.
      const REACTIONS = `subscription ($r: ID!) { roomEvents(roomId: $r) {
        ... on ReactionChanged { message { reactions { emoji count viewerReacted } } } } }`;
      const streams = [sessions[21]!.accessToken, owner.accessToken].map((token) => {
        const socket = connect(server.wsUrl, token);
        cleanups.push(() => socket.dispose());
        return subscribe(socket, REACTIONS, { r: roomId });
      });
      await new Promise((r) => setTimeout(r, 300));
      await react(people[21]!, id, '🎉');
      const expected = (thumbs: boolean, party: boolean) => [
        { emoji: '👍', count: 22, viewerReacted: thumbs },
        { emoji: '🎉', count: 1, viewerReacted: party },
      ];
      const [late, owners] = await Promise.all(
        streams.map(async (s) => (await s.waitFor((e) => e.length > 0))[0].roomEvents.message.reactions),
      );
      expect(late).toEqual(expected(true, true));
      expect(owners).toEqual(expected(false, false));
      const PAGE = `query ($r: ID!) { messages(roomId: $r, last: 1) { edges { node { reactions { emoji count viewerReacted } } } } }`;
      const seen = async (c: ChatClient) => [
        (await c.data(PAGE, { r: roomId })).messages.edges[0].node.reactions,
        (await message(c, id)).reactions.map(({ emoji, count, viewerReacted }: any) => ({
          emoji,
          count,
          viewerReacted,
        })),
      ];
      // The first reactor, the 22nd (left out of the kept 20), and the owner, who did not react.
      for (const [c, thumbs, party] of [
        [people[0]!, true, false],
        [people[21]!, true, true],
        [as.owner, false, false],
      ] as const) {
        for (const reactions of await seen(c)) expect(reactions).toEqual(expected(thumbs, party));
      }
    });

    it('keeps the counts a page reads true when many add and remove reactions at once', async () => {
      const roomId = (await as.owner.createRoom(uniqueName('conv-race'))).data!.createRoom.id as string;
      const people = [as.owner];
      for (let i = 0; i < 5; i++) {
        const c = chatClient(server.url, (await registerUser(server.url)).accessToken);
        await c.joinRoom({ roomId });
        people.push(c);
      }
      const { id } = await sent(as.owner, roomId, 'everyone at once');
      const all = (steps: [ChatClient, string, boolean][]) =>
        Promise.all(steps.map(async ([c, emoji, add]) => expect(outcome(await react(c, id, emoji, add))).toBe('OK')));
      await all(people.flatMap((c) => [[c, '👍', true] as const, [c, '🎉', true] as const]) as never);
      // Half take their 👍 back while the other half add 👀, all at the same moment.
      await all(people.map((c, i) => (i % 2 ? [c, '👍', false] : [c, '👀', true])));
      const PAGE = `query ($r: ID!) { messages(roomId: $r, last: 1) { edges { node { reactions { emoji count } } } } }`;
      const page = (await as.owner.data(PAGE, { r: roomId })).messages.edges[0].node.reactions;
      const counted = (await message(as.owner, id)).reactions.map((r: any) => ({
        emoji: r.emoji,
        count: r.users.length,
      }));
      expect(page[0]).toEqual({ emoji: '🎉', count: 6 });
      expect(new Set(page.slice(1).map(JSON.stringify))).toEqual(
        new Set(
          [
            { emoji: '👍', count: 3 },
            { emoji: '👀', count: 3 },
          ].map((r) => JSON.stringify(r)),
        ),
      );
      expect(new Set(counted.map(JSON.stringify))).toEqual(new Set(page.map(JSON.stringify)));
    });
  });

  describe('threads', () => {
    it('keeps replies out of the history, in messagesSince and in their thread, counted on the root', async () => {
      const root = await sent(as.owner, publicRoom, 'a thread starts');
      const replies = [];
      for (const n of [1, 2, 3]) replies.push(await sent(as.member, publicRoom, `reply ${n}`, root.id));
      const after = await sent(as.owner, publicRoom, 'back in the room');

      const rootNow = await message(as.owner, root.id);
      expect(rootNow.replyCount).toBe(3);
      expect(rootNow.lastReplyAt).not.toBeNull();
      expect(await message(as.owner, replies[0]!.id)).toMatchObject({
        threadRootId: root.id,
        threadRoot: { id: root.id },
        replyCount: 0,
      });

      const history = (await as.owner.messages(publicRoom, { last: 2 })).data!.messages.edges.map(
        (e: any) => e.node.id,
      );
      expect(history).toEqual([root.id, after.id]);
      const since = (await as.owner.since(publicRoom, root.seq)).data!.messagesSince.map((m: any) => m.id);
      expect(since).toEqual([...replies.map((r) => r.id), after.id]);

      const thread = (args: string) =>
        as.guest.data(
          `query ($m: ID!) { threadMessages(messageId: $m, ${args}) {
            edges { cursor node { id body } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
          { m: root.id },
        );
      const all = (await thread('first: 10')).threadMessages;
      expect(all.edges.map((e: any) => e.node.body)).toEqual(['reply 1', 'reply 2', 'reply 3']);
      const newest = (await thread('last: 2')).threadMessages;
      expect(newest.edges.map((e: any) => e.node.body)).toEqual(['reply 2', 'reply 3']);
      expect(newest.pageInfo.hasPreviousPage).toBe(true);
      const older = (await thread(`last: 2, before: "${newest.pageInfo.startCursor}"`)).threadMessages;
      expect(older.edges.map((e: any) => e.node.body)).toEqual(['reply 1']);
      expect(older.pageInfo.hasPreviousPage).toBe(false);
      const onward = (await thread(`first: 5, after: "${all.edges[0].cursor}"`)).threadMessages;
      expect(onward.edges.map((e: any) => e.node.body)).toEqual(['reply 2', 'reply 3']);
      // A history cursor is not a cursor of the thread.
      const roomCursor = (await as.owner.messages(publicRoom, { last: 1 })).data!.messages.pageInfo.endCursor;
      const wrong = await as.owner.call(
        'query ($m: ID!, $c: String) { threadMessages(messageId: $m, after: $c) { edges { cursor } } }',
        {
          m: root.id,
          c: roomCursor,
        },
      );
      expect(refusal(wrong)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });

      // A deleted reply no longer counts.
      await as.member.remove(replies[2]!.id);
      expect((await message(as.owner, root.id)).replyCount).toBe(2);
    });

    it('refuses replies to replies, roots of other rooms, deleted roots and unreadable threads', async () => {
      const root = await sent(as.owner, publicRoom, 'root');
      const reply = await sent(as.owner, publicRoom, 'reply', root.id);
      const elsewhere = await sent(as.owner, privateRoom, 'another room');
      const gone = await sent(as.owner, publicRoom, 'deleted root');
      await as.owner.remove(gone.id);
      const before = await lastSeq(publicRoom);
      for (const threadRootId of [reply.id, elsewhere.id, gone.id, 'nope']) {
        expect(refusal(await send(as.owner, publicRoom, 'nested?', threadRootId))).toEqual({
          code: 'BAD_USER_INPUT',
          field: 'threadRootId',
        });
      }
      expect(await lastSeq(publicRoom)).toBe(before);
      expect((await message(as.owner, root.id)).replyCount).toBe(1);

      const threadOf = (c: ChatClient, m: string) =>
        c.call('query ($m: ID!) { threadMessages(messageId: $m) { edges { node { id } } } }', { m });
      expect(refusal(await threadOf(as.outsider, elsewhere.id)).code).toBe('FORBIDDEN');
      expect(refusal(await threadOf(as.owner, reply.id))).toEqual({ code: 'BAD_USER_INPUT', field: 'messageId' });
      expect(
        refusal(await as.owner.call('{ threadMessages(messageId: "x", first: 0) { edges { cursor } } }')).code,
      ).toBe('BAD_USER_INPUT');
      const page = await as.owner.call(
        'query ($m: ID!) { threadMessages(messageId: $m, first: 101) { edges { cursor } } }',
        {
          m: root.id,
        },
      );
      expect(refusal(page)).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    });
  });

  describe('pins', () => {
    it('lets the room\u2019s owner pin and unpin, idempotently, and lists the pins', async () => {
      const first = await sent(as.member, publicRoom, 'pin me');
      const second = await sent(as.member, publicRoom, 'and me');
      const pinned = (await pin(as.owner, first.id)).data!.pinMessage;
      expect(pinned.pinnedAt).not.toBeNull();
      expect(pinned.pinnedBy).toEqual({ username: owner.user.username });
      expect((await pin(as.owner, first.id)).data!.pinMessage.pinnedAt).toBe(pinned.pinnedAt);
      await pin(as.owner, second.id);
      const list = async () =>
        (
          await as.guest.data('query ($id: ID!) { room(id: $id) { pinnedMessages { id } } }', { id: publicRoom })
        ).room.pinnedMessages.map((m: any) => m.id);
      expect(await list()).toEqual([second.id, first.id]);
      expect((await pin(as.owner, second.id, false)).data!.unpinMessage).toMatchObject({
        pinnedAt: null,
        pinnedBy: null,
      });
      expect(outcome(await pin(as.owner, second.id, false))).toBe('OK');
      expect(await list()).toEqual([first.id]);
    });

    it('refuses members, outsiders, guests and deleted messages; both people of a DIRECT room may pin', async () => {
      const { id } = await sent(as.owner, privateRoom, 'not for members to pin');
      expect(refusal(await pin(as.member, id)).code).toBe('FORBIDDEN');
      expect(refusal(await pin(as.outsider, id)).code).toBe('FORBIDDEN');
      expect(refusal(await pin(as.guest, id)).code).toBe('UNAUTHENTICATED');
      expect((await message(as.owner, id)).pinnedAt).toBeNull();
      const gone = await sent(as.owner, privateRoom, 'gone');
      await as.owner.remove(gone.id);
      expect(refusal(await pin(as.owner, gone.id))).toEqual({ code: 'BAD_USER_INPUT', field: 'messageId' });

      const canPin = async (c: ChatClient, id: string) =>
        (await c.data('query ($id: ID!) { room(id: $id) { viewerCanPin } }', { id })).room.viewerCanPin;
      expect([await canPin(as.owner, privateRoom), await canPin(as.member, privateRoom)]).toEqual([true, false]);
      expect(await canPin(as.guest, publicRoom)).toBe(false);
      const direct = (await as.member.openDirect(owner.user.username)).data!.openDirectRoom.id;
      expect(await canPin(as.member, direct)).toBe(true);
      const words = await sent(as.owner, direct, 'between us');
      expect((await pin(as.member, words.id)).data!.pinMessage.pinnedBy).toEqual({ username: member.user.username });
      expect(outcome(await pin(as.owner, words.id, false))).toBe('OK');
    });
  });

  describe('mentions', () => {
    it('keeps the members named as @username when stored, and follows edits', async () => {
      const body = `hi @${member.user.username.toUpperCase()} and @${outsider.user.username}, mail a@${owner.user.username} @nobody_at_all`;
      const { id } = await sent(as.owner, privateRoom, body);
      expect((await message(as.owner, id)).mentions).toEqual([{ username: member.user.username }]);
      await as.owner.edit(id, `now @${owner.user.username}.`);
      expect((await message(as.owner, id)).mentions).toEqual([{ username: owner.user.username }]);
      // An edit is one statement: its checks, the body, the mentions, their notifications and the
      // webhook event.
      for (const body of [`and @${member.user.username}`, 'no one', `@${member.user.username} again`]) {
        const before = server.app.services.db.queryCount();
        expect(outcome(await as.owner.edit(id, body))).toBe('OK');
        expect(server.app.services.db.queryCount() - before, body).toBe(1);
      }
      expect((await message(as.owner, id)).mentions).toEqual([{ username: member.user.username }]);
    });
  });

  describe('Query.messagesAround', () => {
    it('centres on a message, skips replies, and its cursors page on both ways', async () => {
      const room = (await as.owner.createRoom(uniqueName('around'))).data!.createRoom.id;
      const top = [];
      for (let n = 1; n <= 10; n++) {
        top.push(await sent(as.owner, room, `m${n}`));
        if (n === 5) await sent(as.owner, room, 'a reply', top[4]!.id);
      }
      const around = async (seq: number, limit?: number) =>
        (
          await as.guest.data(
            `query ($r: ID!, $s: Int!, $l: Int) { messagesAround(roomId: $r, seq: $s, limit: $l) {
              edges { cursor node { body } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
            { r: room, s: seq, l: limit },
          )
        ).messagesAround;
      const mid = await around(top[5]!.seq, 5);
      expect(mid.edges.map((e: any) => e.node.body)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8']);
      expect(mid.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      const older = (await as.guest.messages(room, { last: 10, before: mid.pageInfo.startCursor })).data!.messages;
      expect(older.edges.map((e: any) => e.node.body)).toEqual(['m1', 'm2', 'm3']);
      const newer = (await as.guest.messages(room, { first: 10, after: mid.pageInfo.endCursor })).data!.messages;
      expect(newer.edges.map((e: any) => e.node.body)).toEqual(['m9', 'm10']);
      // At the room's ends there are fewer.
      const start = await around(top[0]!.seq, 5);
      expect(start.edges.map((e: any) => e.node.body)).toEqual(['m1', 'm2', 'm3']);
      expect(start.pageInfo.hasPreviousPage).toBe(false);
      const end = await around(top[9]!.seq);
      expect(end.edges).toHaveLength(10);
      expect(end.pageInfo.hasNextPage).toBe(false);
      expect((await around(top[2]!.seq, 1)).edges.map((e: any) => e.node.body)).toEqual(['m3']);
    });

    it('refuses a limit out of range, a seq past the end and rooms the viewer may not read', async () => {
      const call = (c: ChatClient, roomId: string, seq: number, limit?: number) =>
        c.call(
          'query ($r: ID!, $s: Int!, $l: Int) { messagesAround(roomId: $r, seq: $s, limit: $l) { edges { cursor } } }',
          {
            r: roomId,
            s: seq,
            l: limit,
          },
        );
      for (const limit of [0, 101, -1]) {
        expect(refusal(await call(as.owner, publicRoom, 1, limit))).toEqual({ code: 'BAD_USER_INPUT', field: 'limit' });
      }
      for (const seq of [0, -1, (await lastSeq(publicRoom)) + 1]) {
        expect(refusal(await call(as.owner, publicRoom, seq))).toEqual({ code: 'BAD_USER_INPUT', field: 'seq' });
      }
      expect(refusal(await call(as.outsider, privateRoom, 1)).code).toBe('FORBIDDEN');
      expect(refusal(await call(as.guest, privateRoom, 1)).code).toBe('FORBIDDEN');
    });
  });
});

describe.each(databaseKinds)('conversation events on the %s database', (kind) => {
  // On PostgreSQL the events cross replicas through Redis: acts on one server, subscribers on another.
  let acting: TestServer;
  let listening: TestServer;
  beforeAll(async () => {
    const env = {
      ...(await freshDatabaseEnv(cleanups, kind)),
      ...(kind === 'postgres' ? { REDIS_URL: redisUrl } : {}),
    };
    acting = await startServer(env);
    cleanups.push(acting.stop);
    listening = kind === 'postgres' ? await startServer(env) : acting;
    if (listening !== acting) cleanups.push(listening.stop);
  });

  it('announces reactions, replies with their thread, pins and unpins as room events', async () => {
    const [owner, member] = await Promise.all([registerUser(acting.url), registerUser(acting.url)]);
    const owners = chatClient(acting.url, owner.accessToken);
    const members = chatClient(acting.url, member.accessToken);
    const room = (await owners.createRoom(uniqueName('live-conv'))).data!.createRoom.id as string;
    await members.joinRoom({ roomId: room });
    const socket = connect(listening.wsUrl, member.accessToken);
    cleanups.push(() => socket.dispose());
    const events = subscribe(
      socket,
      `subscription ($r: ID!) { roomEvents(roomId: $r) {
        __typename
        ... on MessageCreated { message { body threadRoot { body } } }
        ... on ThreadUpdated { root { body replyCount lastReplyAt } }
        ... on ReactionChanged { emoji added user { username } message { body reactions { emoji count viewerReacted } } }
        ... on MessagePinned { message { body pinnedBy { username } } }
        ... on MessageUnpinned { message { body pinnedAt } }
      } }`,
      { r: room },
    );
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return events.events().length > 0;
    });
    const heard = events.events().length;
    const root = (await owners.send(room, 'the root')).data!.sendMessage.id as string;
    await owners.call('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
      i: { roomId: room, body: 'a reply', threadRootId: root },
    });
    await owners.call('mutation ($i: ReactionInput!) { addReaction(input: $i) { id } }', {
      i: { messageId: root, emoji: '🎉' },
    });
    await owners.call('mutation ($i: ReactionInput!) { removeReaction(input: $i) { id } }', {
      i: { messageId: root, emoji: '🎉' },
    });
    await owners.call('mutation ($i: PinMessageInput!) { pinMessage(input: $i) { id } }', { i: { messageId: root } });
    await owners.call('mutation ($i: PinMessageInput!) { unpinMessage(input: $i) { id } }', { i: { messageId: root } });
    // A late "ping" (sent while the subscription was being set up) may still come in: not counted.
    const ours = (all: any[]) =>
      all
        .slice(heard)
        .map((e) => e.roomEvents)
        .filter((e) => e.message?.body !== 'ping');
    const got = ours(await events.waitFor((e) => ours(e).length >= 7));
    expect(got.map((e) => e.__typename)).toEqual([
      'MessageCreated',
      'MessageCreated',
      'ThreadUpdated',
      'ReactionChanged',
      'ReactionChanged',
      'MessagePinned',
      'MessageUnpinned',
    ]);
    expect(got[1].message).toEqual({ body: 'a reply', threadRoot: { body: 'the root' } });
    expect(got[2].root).toMatchObject({ body: 'the root', replyCount: 1 });
    expect(got[3]).toMatchObject({
      emoji: '🎉',
      added: true,
      user: { username: owner.user.username },
    });
    // An event names the message; its reactions are read when the event is delivered, which under
    // load may be after the removal already: the last one shows none either way.
    expect(got[4]).toMatchObject({ added: false, message: { reactions: [] } });
    expect(got[5].message).toEqual({ body: 'the root', pinnedBy: { username: owner.user.username } });
    expect(got[6].message).toEqual({ body: 'the root', pinnedAt: null });
  });
});
