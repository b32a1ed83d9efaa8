// Live events are executed once per event for every group of identical subscriptions on a replica,
// and once per viewer when the document selects a field that depends on who asks beyond a leaf
// each frame can be given (whether the viewer reacted, the author's clientMessageId).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { chatClient, uploadFile } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { connect, connectSse, eventually, subscribe, type Subscription } from './support/live.js';
import { metric } from './support/metrics.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** What the web app selects of a message (client/web/src/messages.ts, MessageData). */
const WEB_APP_MESSAGE = `id seq body clientMessageId createdAt editedAt deletedAt
  author { id username displayName avatarUrl } room { id name lastSeq memberCount }
  threadRootId replyCount lastReplyAt pinnedAt reactions { emoji count viewerReacted } mentions { id username }
  attachments { id filename contentType size url width height thumbnailUrl createdAt }`;
const SHARED = 'subscription Shared($r: ID!) { messageAdded(roomId: $r) { id seq body author { username } } }';
const OWN = 'subscription Own($r: ID!) { messageAdded(roomId: $r) { seq clientMessageId } }';

describe('shared execution of live events', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...(await freshDatabaseEnv(cleanups)), ...(hasRedis ? { REDIS_URL: redisUrl } : {}) });
    cleanups.push(server.stop);
  });

  const metricOf = (name: string, field = 'messageAdded') => metric(server.url, `${name}{field="${field}"} `);

  it('runs once per event for identical documents, viewer leaves included, each filled for its viewer', async () => {
    const owner = await registerUser(server.url);
    const room = (await chatClient(server.url, owner.accessToken).createRoom(uniqueName('shared'))).data!.createRoom
      .id as string;
    const others = await Promise.all([1, 2, 3, 4].map(() => registerUser(server.url)));
    const open = (token?: string) => {
      const socket = connect(server.wsUrl, token);
      cleanups.push(() => socket.dispose());
      return socket;
    };
    // Five signed-in users and two guests with the same document; the owner and one other user with
    // a document that selects clientMessageId (shown to its author only).
    const shared = [owner, ...others, undefined, undefined].map((user) =>
      subscribe(open(user?.accessToken), SHARED, { r: room }),
    );
    const ownersOwn = subscribe(open(owner.accessToken), OWN, { r: room });
    const othersOwn = subscribe(open(others[0]!.accessToken), OWN, { r: room });
    const all: Subscription[] = [...shared, ownersOwn, othersOwn];

    // Every subscription is live once it has heard a message.
    const owners = chatClient(server.url, owner.accessToken);
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return all.every((s) => s.events().length > 0);
    });
    const heard = all.map((s) => s.events().length);
    const executions = await metricOf('chat_event_executions_total');
    const delivered = await metricOf('chat_events_delivered_total');

    const seqs: number[] = [];
    for (const n of [1, 2, 3]) seqs.push((await owners.send(room, `m${n}`, `client-${n}`)).data!.sendMessage.seq);
    await Promise.all(all.map((s, i) => s.waitFor((events) => events.length >= heard[i]! + 3)));

    // Per event, 1 execution for the seven identical subscriptions and 1 for the other two.
    expect((await metricOf('chat_event_executions_total')) - executions).toBe(3 * 2);
    expect((await metricOf('chat_events_delivered_total')) - delivered).toBe(3 * all.length);

    for (const [i, s] of shared.entries()) {
      const last = s.events().slice(heard[i]);
      expect(last.map((e) => e.messageAdded.seq)).toEqual(seqs);
      expect(last.map((e) => e.messageAdded.body)).toEqual(['m1', 'm2', 'm3']);
    }
    expect(
      ownersOwn
        .events()
        .slice(heard[shared.length])
        .map((e) => e.messageAdded.clientMessageId),
    ).toEqual(['client-1', 'client-2', 'client-3']);
    expect(
      othersOwn
        .events()
        .slice(heard[shared.length + 1])
        .map((e) => e.messageAdded.clientMessageId),
    ).toEqual([null, null, null]);
  });

  it('never shows one viewer\u2019s reactions as another\u2019s, over WebSocket and SSE, from one execution', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(server.url),
      registerUser(server.url),
      registerUser(server.url),
    ]);
    const alices = chatClient(server.url, alice.accessToken);
    const room = (await alices.createRoom(uniqueName('reactions'))).data!.createRoom.id as string;
    for (const user of [bob, carol]) await chatClient(server.url, user.accessToken).joinRoom({ roomId: room });
    const open = (token: string) => {
      const socket = connect(server.wsUrl, token);
      cleanups.push(() => socket.dispose());
      return socket;
    };
    // Bob listens over server-sent events: the same execution, filled for him on that path.
    const openSse = (token: string) => {
      const client = connectSse(`${server.url}/graphql`, token);
      cleanups.push(async () => client.dispose());
      return client;
    };
    const WITH_VIEWER = `subscription V($r: ID!) { roomEvents(roomId: $r) {
      ... on MessageCreated { message { id } }
      ... on ReactionChanged { message { reactions { emoji count viewerReacted } } } } }`;
    const COUNTS = `subscription C($r: ID!) { roomEvents(roomId: $r) {
      ... on MessageCreated { message { id } }
      ... on ReactionChanged { message { reactions { emoji count } } } } }`;
    const [alicesView, bobsView, carolsView] = [alice, bob, carol].map((u) =>
      subscribe(u === bob ? openSse(u.accessToken) : open(u.accessToken), WITH_VIEWER, { r: room }),
    );
    const counts = [alice, bob, carol].map((u) => subscribe(open(u.accessToken), COUNTS, { r: room }));
    const all = [alicesView!, bobsView!, carolsView!, ...counts];
    let messageId = '';
    await eventually(async () => {
      messageId = (await alices.send(room, 'react here')).data!.sendMessage.id;
      await new Promise((r) => setTimeout(r, 50));
      return all.every((s) => s.events().length > 0);
    });
    const heard = all.map((s) => s.events().length);
    const executions = await metricOf('chat_event_executions_total', 'roomEvents');

    const reactAs = (token: string, emoji: string) =>
      chatClient(server.url, token).data('mutation ($i: ReactionInput!) { addReaction(input: $i) { id } }', {
        i: { messageId, emoji },
      });
    await reactAs(alice.accessToken, '👍');
    await reactAs(bob.accessToken, '🎉');
    await Promise.all(all.map((s, i) => s.waitFor((events) => events.length >= heard[i]! + 2)));
    const last = (s: Subscription) => s.events().at(-1)!.roomEvents.message.reactions;
    expect(last(alicesView!)).toEqual([
      { emoji: '👍', count: 1, viewerReacted: true },
      { emoji: '🎉', count: 1, viewerReacted: false },
    ]);
    expect(last(bobsView!)).toEqual([
      { emoji: '👍', count: 1, viewerReacted: false },
      { emoji: '🎉', count: 1, viewerReacted: true },
    ]);
    expect(last(carolsView!)).toEqual([
      { emoji: '👍', count: 1, viewerReacted: false },
      { emoji: '🎉', count: 1, viewerReacted: false },
    ]);
    for (const s of counts)
      expect(last(s)).toEqual([
        { emoji: '👍', count: 1 },
        { emoji: '🎉', count: 1 },
      ]);
    // Per event: one execution for each document, whoever its viewers.
    expect((await metricOf('chat_event_executions_total', 'roomEvents')) - executions).toBe(2 * 2);
  });

  it('shares the execution of an event whose own selections depend on nobody, in a document whose others do', async () => {
    const [owner, ...members] = await Promise.all([1, 2, 3].map(() => registerUser(server.url)));
    const owners = chatClient(server.url, owner!.accessToken);
    const room = (await owners.createRoom(uniqueName('by-type'))).data!.createRoom.id as string;
    for (const member of members) await chatClient(server.url, member.accessToken).joinRoom({ roomId: room });
    // As the web app's and the SDK's streams do: a new message as anyone sees it, and a join with
    // the viewer's own fields of the room (what they have not read, whether they are in it).
    const MINE = `subscription Mine { myEvents { __typename
      ... on MessageCreated { message { id seq body reactions { emoji viewerReacted } } }
      ... on MemberJoined { room { id unreadCount viewerIsMember } user { id } } } }`;
    const viewers = [owner!, ...members];
    const streams = viewers.map((user) => {
      const socket = connect(server.wsUrl, user.accessToken);
      cleanups.push(() => socket.dispose());
      return subscribe(socket, MINE);
    });
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return streams.every((s) => s.events().length > 0);
    });
    const heard = (s: Subscription, type: string) =>
      s
        .events()
        .map((e) => e.myEvents)
        .filter((e) => e.__typename === type);
    const executions = () => metricOf('chat_event_executions_total', 'myEvents');

    let before = await executions();
    const counts = streams.map((s) => heard(s, 'MessageCreated').length);
    const seq = (await owners.send(room, 'for everyone')).data!.sendMessage.seq as number;
    await Promise.all(streams.map((s, i) => s.waitFor(() => heard(s, 'MessageCreated').length > counts[i]!)));
    // One execution for the three viewers' documents, each of its own group.
    expect((await executions()) - before).toBe(1);
    for (const s of streams)
      expect(heard(s, 'MessageCreated').at(-1)).toMatchObject({
        message: { seq, body: 'for everyone', reactions: [] },
      });

    before = await executions();
    const newcomer = await registerUser(server.url);
    await chatClient(server.url, newcomer.accessToken).joinRoom({ roomId: room });
    await Promise.all(streams.map((s) => s.waitFor(() => heard(s, 'MemberJoined').length > 0)));
    // A join is executed for each viewer: the room's fields are their own.
    expect((await executions()) - before).toBe(3);
    for (const s of streams)
      expect(heard(s, 'MemberJoined').at(-1)).toMatchObject({
        room: { id: room, viewerIsMember: true },
        user: { id: newcomer.user.id },
      });
    // The owner read nothing of what the members sent (their joins' pings aside); each count is its own.
    const unread = streams.map((s) => heard(s, 'MemberJoined').at(-1).room.unreadCount as number);
    expect(new Set(unread).size).toBeGreaterThan(1);
  });
});

describe.runIf(hasRedis && hasPostgres)('a new message travels with its row', () => {
  let sender: TestServer;
  let receiver: TestServer;
  beforeAll(async () => {
    const env = { ...(await freshDatabaseEnv(cleanups, 'postgres')), REDIS_URL: redisUrl };
    sender = await startServer(env);
    cleanups.push(sender.stop);
    receiver = await startServer(env, { countQueries: true });
    cleanups.push(receiver.stop);
  });

  it('answers a selection of its columns and its author without a statement, and loads anything else', async () => {
    const owner = await registerUser(sender.url);
    const owners = chatClient(sender.url, owner.accessToken);
    const room = (await owners.createRoom(uniqueName('carried'))).data!.createRoom.id as string;
    const socket = connect(receiver.wsUrl, owner.accessToken);
    cleanups.push(() => socket.dispose());
    const carried = subscribe(
      socket,
      'subscription ($r: ID!) { messageAdded(roomId: $r) { id seq body createdAt editedAt author { id username displayName createdAt } } }',
      { r: room },
    );
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return carried.events().length > 0;
    });
    const heard = carried.events().length;

    const before = receiver.app.services.db.queryCount();
    const sent = (
      await owners.data(
        `mutation ($i: SendMessageInput!) { sendMessage(input: $i) {
          id seq body createdAt editedAt author { id username displayName createdAt } } }`,
        { i: { roomId: room, body: 'carried along' } },
      )
    ).sendMessage;
    await carried.waitFor((events) => events.length > heard && events.at(-1).messageAdded.seq === sent.seq);
    // Answered from the event: the receiving replica ran no statement for it.
    expect(receiver.app.services.db.queryCount() - before).toBe(0);
    expect(carried.events().at(-1)!.messageAdded).toEqual(sent);

    // A document that asks for a relation the event does not carry is loaded as before, once per
    // event on this replica.
    const loaded = subscribe(
      socket,
      'subscription ($r: ID!) { messageAdded(roomId: $r) { seq room { name } threadRoot { id } } }',
      {
        r: room,
      },
    );
    await eventually(async () => {
      await owners.send(room, 'ping again');
      await new Promise((r) => setTimeout(r, 50));
      return loaded.events().length > 0;
    });
    const again = receiver.app.services.db.queryCount();
    const last = (await owners.send(room, 'with its room')).data!.sendMessage.seq;
    await loaded.waitFor((events) => events.some((e) => e.messageAdded.seq === last));
    expect(loaded.events().at(-1)!.messageAdded.room.name).toMatch(/^carried/);
    expect(receiver.app.services.db.queryCount() - again).toBe(1);
  });

  it('answers what the web app shows of a new message (room, attachments, mentions, avatar) without a statement', async () => {
    const [ada, bo] = [await registerUser(sender.url), await registerUser(sender.url)];
    const adas = chatClient(sender.url, ada.accessToken);
    const room = (await adas.createRoom(uniqueName('client'))).data!.createRoom.id as string;
    await chatClient(sender.url, bo.accessToken).joinRoom({ roomId: room });
    const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const upload = async (filename: string) =>
      (await uploadFile(sender.graphqlUrl, ada.accessToken, room, { bytes: image, filename, type: 'image/png' })).data!
        .uploadAttachment.id as string;
    const avatar = await upload('me.png');
    await adas.data('mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }', {
      i: { avatarAttachmentId: avatar, displayName: 'Ada' },
    });
    const socket = connect(receiver.wsUrl, bo.accessToken);
    cleanups.push(() => socket.dispose());
    const live = subscribe(socket, `subscription ($r: ID!) { messageAdded(roomId: $r) { ${WEB_APP_MESSAGE} } }`, {
      r: room,
    });
    await eventually(async () => {
      await adas.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return live.events().length > 0;
    });
    const heard = live.events().length;

    const pictures = [await upload('one.png'), await upload('two.png')];
    const before = receiver.app.services.db.queryCount();
    const sent = (
      await adas.data(`mutation ($i: SendMessageInput!) { sendMessage(input: $i) { ${WEB_APP_MESSAGE} } }`, {
        i: { roomId: room, body: `look @${bo.user.username} @${ada.user.username}`, attachmentIds: pictures },
      })
    ).sendMessage;
    const plain = (
      await adas.data(`mutation ($i: SendMessageInput!) { sendMessage(input: $i) { ${WEB_APP_MESSAGE} } }`, {
        i: { roomId: room, body: 'and nothing else' },
      })
    ).sendMessage;
    await live.waitFor((events) => events.some((e) => e.messageAdded.seq === plain.seq));
    // Both answered from their events: the receiving replica ran no statement for them.
    expect(receiver.app.services.db.queryCount() - before).toBe(0);

    // As the receiver's database would answer them for this viewer (signed URLs aside: they expire;
    // the room as of each message: its lastSeq is the message's seq).
    const unsigned = ({ room: { lastSeq: _lastSeq, ...room }, ...message }: any) => ({
      ...message,
      room,
      author: { ...message.author, avatarUrl: new URL(message.author.avatarUrl, receiver.url).pathname },
      attachments: message.attachments.map(({ url, thumbnailUrl, ...rest }: any) => ({
        ...rest,
        url: new URL(url, receiver.url).pathname,
        thumbnailUrl: new URL(thumbnailUrl, receiver.url).pathname,
      })),
    });
    const bos = chatClient(receiver.url, bo.accessToken);
    for (const message of [sent, plain]) {
      const event = live
        .events()
        .slice(heard)
        .find((e) => e.messageAdded.seq === message.seq)!.messageAdded;
      const stored = (
        await bos.data(`query ($id: ID!) { node(id: $id) { ... on Message { ${WEB_APP_MESSAGE} } } }`, {
          id: message.id,
        })
      ).node;
      expect(unsigned(event)).toEqual(unsigned(stored));
      expect(event.room.lastSeq).toBe(message.seq);
    }
    const event = live.events().find((e) => e.messageAdded.seq === sent.seq)!.messageAdded;
    expect(event.attachments.map((a: { id: string }) => a.id)).toEqual(pictures);
    expect(event.mentions.map((u: { username: string }) => u.username)).toEqual(
      [ada.user.username, bo.user.username].sort(),
    );
    expect(event.author.avatarUrl).toBeTruthy();

    // A history page signs its authors' avatars from the rows it read: one statement in all.
    const pageBefore = receiver.app.services.db.queryCount();
    const page = (
      await bos.data(
        'query ($r: ID!) { messages(roomId: $r, last: 3) { edges { node { seq author { avatarUrl } } } } }',
        {
          r: room,
        },
      )
    ).messages.edges;
    expect(receiver.app.services.db.queryCount() - pageBefore).toBe(1);
    expect(page.map((edge: any) => new URL(edge.node.author.avatarUrl, receiver.url).pathname)).toEqual(
      Array(page.length).fill(new URL(event.author.avatarUrl, receiver.url).pathname),
    );

    // The page as the web app reads it (room, attachments, mentions, reactions, avatars): one
    // statement, and each message as node(id) has it.
    const webBefore = receiver.app.services.db.queryCount();
    const webPage = (
      await bos.data(
        `query ($r: ID!) { room(id: $r) { messages(last: 10) { edges { node { ${WEB_APP_MESSAGE} } } } } }`,
        {
          r: room,
        },
      )
    ).room.messages.edges.map((edge: any) => edge.node);
    expect(receiver.app.services.db.queryCount() - webBefore).toBe(2); // the room, then its page
    expect(webPage.map((m: any) => m.seq)).toEqual(Array.from({ length: plain.seq }, (_, i) => i + 1));
    for (const message of webPage) {
      const stored = (
        await bos.data(`query ($id: ID!) { node(id: $id) { ... on Message { ${WEB_APP_MESSAGE} } } }`, {
          id: message.id,
        })
      ).node;
      expect(unsigned(message)).toEqual(unsigned(stored));
      expect(message.room.lastSeq).toBe(stored.room.lastSeq);
    }
    expect(webPage.find((m: any) => m.seq === sent.seq).attachments.map((a: { id: string }) => a.id)).toEqual(pictures);
  });

  it('a read receipt travels with its room and reader: what the web app asks needs no statement', async () => {
    const [owner, reader] = [await registerUser(sender.url), await registerUser(sender.url)];
    const owners = chatClient(sender.url, owner.accessToken);
    const room = (await owners.createRoom(uniqueName('receipt'))).data!.createRoom.id as string;
    await chatClient(sender.url, reader.accessToken).joinRoom({ roomId: room });
    const socket = connect(receiver.wsUrl, owner.accessToken);
    cleanups.push(() => socket.dispose());
    const events = (selection: string) =>
      subscribe(
        socket,
        `subscription ($r: ID!) { roomEvents(roomId: $r) { __typename ... on ReadReceipt { ${selection} } } }`,
        { r: room },
      );
    // What the web app selects of a receipt (client/web/src/live.ts); and one that asks the owner's
    // read position, which depends on who asks: loaded, once per event on this replica.
    const webApp = events('room { id } user { id username displayName } lastReadSeq');
    const viewers = events('room { id viewerLastReadSeq } user { username }');
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return webApp.events().length > 0 && viewers.events().length > 0;
    });
    const receipts = (sub: Subscription) =>
      sub
        .events()
        .map((e) => e.roomEvents)
        .filter((e) => e.__typename === 'ReadReceipt');
    const seq = (await owners.send(room, 'read me')).data!.sendMessage.seq as number;

    const before = receiver.app.services.db.queryCount();
    await chatClient(sender.url, reader.accessToken).markRead(room, seq);
    await webApp.waitFor(() => receipts(webApp).length > 0);
    await viewers.waitFor(() => receipts(viewers).length > 0);
    expect(receipts(webApp)).toEqual([
      {
        __typename: 'ReadReceipt',
        room: { id: room },
        user: { id: reader.user.id, username: reader.user.username, displayName: null },
        lastReadSeq: seq,
      },
    ]);
    expect(receipts(viewers)).toEqual([
      {
        __typename: 'ReadReceipt',
        room: { id: room, viewerLastReadSeq: seq },
        user: { username: reader.user.username },
      },
    ]);
    // The room with the owner's membership, for the second document; nothing for the first.
    expect(receiver.app.services.db.queryCount() - before).toBe(1);
  });

  it('a typing event travels with its room and typist, its stop by expiry too', async () => {
    const [owner, typist] = [await registerUser(sender.url), await registerUser(sender.url)];
    const owners = chatClient(sender.url, owner.accessToken);
    const room = (await owners.createRoom(uniqueName('typing'))).data!.createRoom.id as string;
    const typists = chatClient(sender.url, typist.accessToken);
    await typists.joinRoom({ roomId: room });
    const socket = connect(receiver.wsUrl, owner.accessToken);
    cleanups.push(() => socket.dispose());
    // What the web app selects of a typing event (client/web/src/live.ts).
    const live = subscribe(
      socket,
      `subscription ($r: ID!) { roomEvents(roomId: $r) { __typename
        ... on TypingChanged { room { id } user { id username displayName } typing } } }`,
      { r: room },
    );
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return live.events().length > 0;
    });
    const typing = () =>
      live
        .events()
        .map((e) => e.roomEvents)
        .filter((e) => e.__typename === 'TypingChanged');
    const setTyping = (on: boolean) =>
      typists.data('mutation ($i: SetTypingInput!) { setTyping(input: $i) }', { i: { roomId: room, typing: on } });

    const before = receiver.app.services.db.queryCount();
    await setTyping(true);
    await setTyping(false);
    await setTyping(true);
    // The stop nobody said: announced by itself after 5 s without a refresh.
    await live.waitFor(() => typing().length === 4, 10_000);
    const who = { id: typist.user.id, username: typist.user.username, displayName: null };
    expect(typing()).toEqual(
      [true, false, true, false].map((on) => ({
        __typename: 'TypingChanged',
        room: { id: room },
        user: who,
        typing: on,
      })),
    );
    // Who may type (not outsiders, guests, the muted, anyone in an archived room) is checked by
    // the authorization matrix and the moderation tests.
    expect(receiver.app.services.db.queryCount() - before).toBe(0);
  });

  it('a reaction, a pin and a thread reply are read in one statement per event, reactions for every viewer', async () => {
    const [owner, member] = [await registerUser(sender.url), await registerUser(sender.url)];
    const owners = chatClient(sender.url, owner.accessToken);
    const members = chatClient(sender.url, member.accessToken);
    const room = (await owners.createRoom(uniqueName('about'))).data!.createRoom.id as string;
    await members.joinRoom({ roomId: room });
    // What the web app selects of these events (client/web/src/live.ts), heard by both on the
    // receiving replica: one execution for the two of them, each with their own viewerReacted.
    const DOCUMENT = `subscription ($r: ID!) { roomEvents(roomId: $r) { __typename
      ... on ReactionChanged { message { id reactions { emoji count viewerReacted } } }
      ... on MessagePinned { message { id pinnedAt room { id } } }
      ... on ThreadUpdated { root { id replyCount lastReplyAt } } } }`;
    const [ownersView, membersView] = [owner, member].map((user) => {
      const socket = connect(receiver.wsUrl, user.accessToken);
      cleanups.push(() => socket.dispose());
      return subscribe(socket, DOCUMENT, { r: room });
    });
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return ownersView!.events().length > 0 && membersView!.events().length > 0;
    });
    const root = (await owners.send(room, 'root')).data!.sendMessage.id as string;
    const heard = (sub: Subscription, type: string) =>
      sub
        .events()
        .map((e) => e.roomEvents)
        .filter((e) => e.__typename === type);
    const statements = async (type: string, change: () => Promise<unknown>) => {
      const before = receiver.app.services.db.queryCount();
      const [owners, members] = [heard(ownersView!, type).length, heard(membersView!, type).length];
      await change();
      await ownersView!.waitFor(() => heard(ownersView!, type).length > owners);
      await membersView!.waitFor(() => heard(membersView!, type).length > members);
      return receiver.app.services.db.queryCount() - before;
    };

    const react = (client: typeof owners, emoji: string) =>
      client.data('mutation ($i: ReactionInput!) { addReaction(input: $i) { id } }', { i: { messageId: root, emoji } });
    expect(await statements('ReactionChanged', () => react(members, '👍'))).toBe(1);
    expect(await statements('ReactionChanged', () => react(owners, '🎉'))).toBe(1);
    const reactions = (sub: Subscription) => heard(sub, 'ReactionChanged').at(-1).message.reactions;
    expect(reactions(ownersView!)).toEqual([
      { emoji: '👍', count: 1, viewerReacted: false },
      { emoji: '🎉', count: 1, viewerReacted: true },
    ]);
    expect(reactions(membersView!)).toEqual([
      { emoji: '👍', count: 1, viewerReacted: true },
      { emoji: '🎉', count: 1, viewerReacted: false },
    ]);

    const pin = () =>
      owners.data('mutation ($i: PinMessageInput!) { pinMessage(input: $i) { id } }', { i: { messageId: root } });
    expect(await statements('MessagePinned', pin)).toBe(1);
    const pinned = heard(membersView!, 'MessagePinned').at(-1).message;
    expect(pinned).toMatchObject({ id: root, room: { id: room } });
    expect(pinned.pinnedAt).toEqual(expect.any(String));

    const reply = () =>
      members.data('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
        i: { roomId: room, body: 'a reply', threadRootId: root },
      });
    // The reply's MessageCreated travels with its row; the root's ThreadUpdated is read.
    expect(await statements('ThreadUpdated', reply)).toBe(1);
    expect(heard(ownersView!, 'ThreadUpdated').at(-1).root).toMatchObject({ id: root, replyCount: 1 });
  });

  it('what the SDK selects of a reaction (the whole message, who reacted) takes one statement per event', async () => {
    const [owner, member] = [await registerUser(sender.url), await registerUser(sender.url)];
    const owners = chatClient(sender.url, owner.accessToken);
    const members = chatClient(sender.url, member.accessToken);
    const room = (await owners.createRoom(uniqueName('sdk-about'))).data!.createRoom.id as string;
    await members.joinRoom({ roomId: room });
    const png = await sharp({ create: { width: 4, height: 2, channels: 3, background: '#08f' } })
      .png()
      .toBuffer();
    const attachment = (
      await uploadFile(sender.graphqlUrl, owner.accessToken, room, { bytes: png, filename: 'a.png', type: 'image/png' })
    ).data!.uploadAttachment.id as string;
    const root = (
      await owners.data('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
        i: { roomId: room, body: `for @${member.user.username}`, attachmentIds: [attachment] },
      })
    ).sendMessage.id as string;
    // The SDK's MessageFields (client/sdk/src/operations/fragments.graphql) and the reactor.
    const socket = connect(receiver.wsUrl, owner.accessToken);
    cleanups.push(() => socket.dispose());
    const live = subscribe(
      socket,
      `subscription ($r: ID!) { roomEvents(roomId: $r) { __typename ... on ReactionChanged { emoji added
        user { id username displayName avatarUrl createdAt }
        message { ${WEB_APP_MESSAGE} } }
        ... on MessageEdited { message { ${WEB_APP_MESSAGE} } } } }`,
      { r: room },
    );
    await eventually(async () => {
      await owners.send(room, 'ping');
      await new Promise((r) => setTimeout(r, 50));
      return live.events().length > 0;
    });
    const heard = async (type: string) =>
      (await live.waitFor((events) => events.some((e) => e.roomEvents.__typename === type)))
        .map((e) => e.roomEvents)
        .find((e) => e.__typename === type);
    let before = receiver.app.services.db.queryCount();
    await members.data('mutation ($i: ReactionInput!) { addReaction(input: $i) { id } }', {
      i: { messageId: root, emoji: '👍' },
    });
    expect(await heard('ReactionChanged')).toMatchObject({
      emoji: '👍',
      added: true,
      user: { id: member.user.id, username: member.user.username },
      message: {
        id: root,
        room: { id: room },
        mentions: [{ id: member.user.id }],
        attachments: [{ id: attachment, width: 4, height: 2 }],
        reactions: [{ emoji: '👍', count: 1, viewerReacted: false }],
      },
    });
    expect(receiver.app.services.db.queryCount() - before).toBe(1);

    // An edit carries its row, but not all the SDK asks of it: the rest is the same one read.
    before = receiver.app.services.db.queryCount();
    await owners.edit(root, 'edited');
    expect(await heard('MessageEdited')).toMatchObject({
      message: {
        id: root,
        body: 'edited',
        room: { id: room },
        mentions: [],
        attachments: [{ id: attachment }],
        reactions: [{ emoji: '👍', count: 1, viewerReacted: false }],
      },
    });
    expect(receiver.app.services.db.queryCount() - before).toBe(1);
  });
});
