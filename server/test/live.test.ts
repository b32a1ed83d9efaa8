import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, outcome, type ChatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { type Replica, replicaSetups, sharedModes, startReplicas } from './support/pubsub-modes.js';
import { connect, eventually, subscribe, type Socket, type Subscription } from './support/live.js';
import { rawId, spawnServer, startServer } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
const churnScript = new URL('./support/churn.mjs', import.meta.url).pathname;
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const EVENT_FIELDS = `__typename
  ... on MessageCreated { message { id seq body author { username } } }
  ... on MessageEdited { message { id seq body } }
  ... on MessageDeleted { message { id seq body } }
  ... on MemberJoined { room { id } user { username } }
  ... on MemberLeft { room { id } user { username } }
  ... on TypingChanged { room { id } user { username } typing }
  ... on ReadReceipt { room { id } user { username } lastReadSeq }`;
const ROOM_EVENTS = `subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { ${EVENT_FIELDS} } }`;
const MY_EVENTS = `subscription { myEvents { ${EVENT_FIELDS} } }`;
const MESSAGE_ADDED = `subscription ($roomId: ID!) { messageAdded(roomId: $roomId) { id seq body author { username } } }`;
const ONLINE = `subscription { onlineCount { users guests } }`;

type Event = {
  __typename: string;
  message?: { id: string; seq: number; body: string };
  user?: { username: string };
  typing?: boolean;
  lastReadSeq?: number;
};
const roomEventsOf = (s: Subscription) => s.events().map((e) => e.roomEvents as Event);
const myEventsOf = (s: Subscription) => s.events().map((e) => e.myEvents as Event);
const seqsOf = (events: Event[]) => events.filter((e) => e.__typename === 'MessageCreated').map((e) => e.message!.seq);

/** Holds when `seqs` go up by exactly one each time (no gap, no repeat) and end at `last`. */
const contiguousTo = (seqs: number[], last: number) =>
  seqs.length > 0 && seqs.at(-1) === last && seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1);

describe.each(replicaSetups)('subscriptions with $name', (setup) => {
  let replicas: Replica[];
  let owner: Session;
  let member: Session;
  let roomId: string;
  let privateRoomId: string;
  const on = (i: number) => replicas[i % replicas.length]!;

  beforeAll(async () => {
    replicas = await startReplicas(setup, cleanups, {}, { PRESENCE_HEARTBEAT: '500ms', PRESENCE_TTL: '3s' });
    [owner, member] = await Promise.all([registerUser(on(0).url), registerUser(on(0).url)]);
    const c = chatClient(on(0).url, owner.accessToken);
    roomId = (await c.createRoom(`live-${owner.user.username}`)).data!.createRoom.id;
    privateRoomId = (await c.createRoom(`secret-${owner.user.username}`, 'PRIVATE')).data!.createRoom.id;
    await chatClient(on(1).url, member.accessToken).joinRoom({ roomId });
  });

  const sockets: Socket[] = [];
  const open = (replica: Replica, token?: string) => {
    const socket = connect(replica.wsUrl, token);
    sockets.push(socket);
    cleanups.push(() => socket.dispose());
    return socket;
  };

  it('messages sent through one replica reach roomEvents, messageAdded and myEvents on every replica, once each, in seq order', async () => {
    const subscribers = replicas.flatMap((replica) => {
      const socket = open(replica, member.accessToken);
      const guest = open(replica);
      return [
        { kind: 'messageAdded', sub: subscribe(socket, MESSAGE_ADDED, { roomId }) },
        { kind: 'myEvents', sub: subscribe(socket, MY_EVENTS) },
        { kind: 'roomEvents', sub: subscribe(socket, ROOM_EVENTS, { roomId }) },
        { kind: 'roomEvents', sub: subscribe(guest, ROOM_EVENTS, { roomId }) },
      ];
    });
    const seqs = (s: { kind: string; sub: Subscription }) =>
      s.kind === 'messageAdded'
        ? s.sub.events().map((e) => e.messageAdded.seq as number)
        : seqsOf(s.kind === 'myEvents' ? myEventsOf(s.sub) : roomEventsOf(s.sub));
    const sender = chatClient(on(0).url, owner.accessToken);
    // Subscriptions start asynchronously: send until every subscriber hears one, then for real.
    let last = 0;
    await eventually(async () => {
      last = (await sender.send(roomId, 'anyone there?')).data!.sendMessage.seq;
      await new Promise((r) => setTimeout(r, 50));
      return subscribers.every((s) => seqs(s).length > 0);
    });
    for (let i = 1; i <= 10; i++) await sender.send(roomId, `message ${i}`);
    const final = last + 10;
    await eventually(
      () => subscribers.every((s) => seqs(s).at(-1) === final),
      10_000,
      'every subscriber to hear the last message',
    );
    for (const s of subscribers) expect(contiguousTo(seqs(s), final), `${s.kind}: ${seqs(s)}`).toBe(true);
    const bodies = subscribers[0]!.sub
      .events()
      .slice(-10)
      .map((e) => e.messageAdded.body);
    expect(bodies).toEqual(Array.from({ length: 10 }, (_, i) => `message ${i + 1}`));
  });

  it('edits, deletes, joins, typing, read receipts and leaves reach roomEvents subscribers on every replica, in order', async () => {
    const sender = chatClient(on(0).url, owner.accessToken);
    const message = (await sender.send(roomId, 'to be changed')).data!.sendMessage;
    const subs = replicas.map((replica) => subscribe(open(replica, member.accessToken), ROOM_EVENTS, { roomId }));
    await eventually(async () => {
      await sender.call('mutation ($r: ID!) { setTyping(input: { roomId: $r, typing: false }) }', { r: roomId });
      await sender.call('mutation ($r: ID!) { setTyping(input: { roomId: $r, typing: true }) }', { r: roomId });
      await new Promise((r) => setTimeout(r, 50));
      return subs.every((s) => roomEventsOf(s).some((e) => e.__typename === 'TypingChanged' && e.typing));
    });
    const newcomer = await registerUser(on(1).url);
    const theirs = chatClient(on(1).url, newcomer.accessToken);
    await sender.edit(message.id, 'changed');
    await sender.remove(message.id);
    await theirs.joinRoom({ roomId });
    await sender.call('mutation ($r: ID!) { setTyping(input: { roomId: $r, typing: false }) }', { r: roomId });
    await theirs.markRead(roomId, message.seq);
    await theirs.leaveRoom(roomId);
    const expected = [
      ['MessageEdited', 'changed'],
      ['MessageDeleted', ''],
      ['MemberJoined', newcomer.user.username],
      ['TypingChanged', false],
      ['ReadReceipt', message.seq],
      ['MemberLeft', newcomer.user.username],
    ];
    const summary = (e: Event) => [
      e.__typename,
      e.message
        ? e.message.body
        : e.__typename === 'TypingChanged'
          ? e.typing
          : e.__typename === 'ReadReceipt'
            ? e.lastReadSeq
            : e.user!.username,
    ];
    for (const sub of subs) {
      await sub.waitFor((events) => events.some((e) => e.roomEvents.__typename === 'MemberLeft'));
      const events = roomEventsOf(sub);
      const from = events.findIndex((e) => e.__typename === 'MessageEdited');
      expect(events.slice(from).map(summary)).toEqual(expected);
    }
  });

  it('typing stops by itself 5 seconds after the last refresh', async () => {
    const sub = subscribe(open(on(1), member.accessToken), ROOM_EVENTS, { roomId });
    const typist = chatClient(on(0).url, owner.accessToken);
    const setTyping = (typing: boolean) =>
      typist.call('mutation ($r: ID!, $t: Boolean!) { setTyping(input: { roomId: $r, typing: $t }) }', {
        r: roomId,
        t: typing,
      });
    await eventually(async () => {
      await setTyping(false);
      await setTyping(true);
      await new Promise((r) => setTimeout(r, 50));
      return roomEventsOf(sub).some((e) => e.__typename === 'TypingChanged' && e.typing);
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await setTyping(true); // a refresh: announces nothing, and moves the expiry
    const lastRefresh = Date.now();
    const seen = sub.events().length;
    const after = (events: { roomEvents: Event }[]) =>
      events
        .slice(seen)
        .map((e) => e.roomEvents)
        .filter((e) => e.__typename === 'TypingChanged');
    const stopped = after(await sub.waitFor((events) => after(events).length > 0, 8_000));
    // The refresh announced nothing; the next word is the stop, 5 s after the refresh.
    expect(stopped.map((e) => e.typing)).toEqual([false]);
    expect(Date.now() - lastRefresh).toBeGreaterThanOrEqual(4_500);
  });

  it('guests may follow PUBLIC rooms only; members of a PRIVATE room stop hearing it when they leave', async () => {
    const guest = subscribe(open(on(1)), ROOM_EVENTS, { roomId: privateRoomId });
    await guest.ended;
    expect(guest.results[0]!.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    // A refused subscription is a request error: no `data` at all (clients tell it from one failed event).
    expect(guest.results[0]).not.toHaveProperty('data');
    const outsider = await registerUser(on(0).url);
    const refused = subscribe(open(on(0), outsider.accessToken), ROOM_EVENTS, { roomId: privateRoomId });
    await refused.ended;
    expect(refused.results[0]!.errors![0]!.extensions!.code).toBe('FORBIDDEN');

    const insider = await registerUser(on(0).url);
    const owners = chatClient(on(0).url, owner.accessToken);
    await owners.invite(privateRoomId, insider.user.username);
    const theirs = chatClient(on(1).url, insider.accessToken);
    await theirs.joinRoom({ roomId: privateRoomId });
    const sub = subscribe(open(on(1), insider.accessToken), ROOM_EVENTS, { roomId: privateRoomId });
    await eventually(async () => {
      await owners.send(privateRoomId, 'psst');
      await new Promise((r) => setTimeout(r, 50));
      return roomEventsOf(sub).length > 0;
    });
    await theirs.leaveRoom(privateRoomId);
    await sub.ended;
    expect(roomEventsOf(sub).at(-1)).toMatchObject({
      __typename: 'MemberLeft',
      user: { username: insider.user.username },
    });
    const count = sub.results.length;
    await owners.send(privateRoomId, 'after you left');
    await new Promise((r) => setTimeout(r, 200));
    expect(sub.results.length).toBe(count);
  });

  it('myEvents follows joins and leaves without resubscribing', async () => {
    const wanderer = await registerUser(on(0).url);
    const sub = subscribe(open(on(1), wanderer.accessToken), MY_EVENTS);
    const theirs = chatClient(on(0).url, wanderer.accessToken);
    const owners = chatClient(on(0).url, owner.accessToken);
    const room = (await owners.createRoom(`wander-${wanderer.user.username}`)).data!.createRoom.id;
    // The subscription is live once it hears its own join (joins go to the member's own channel).
    await eventually(async () => {
      await theirs.leaveRoom(room);
      await theirs.joinRoom({ roomId: room });
      await new Promise((r) => setTimeout(r, 50));
      return myEventsOf(sub).some((e) => e.__typename === 'MemberJoined');
    });
    const sent = (await owners.send(room, 'welcome')).data!.sendMessage.seq;
    await sub.waitFor((events) => seqsOf(events.map((e) => e.myEvents)).includes(sent));
    await theirs.leaveRoom(room);
    await sub.waitFor((events) => events.at(-1)?.myEvents.__typename === 'MemberLeft');
    const count = sub.results.length;
    await owners.send(room, 'gone already');
    await new Promise((r) => setTimeout(r, 200));
    expect(sub.results.length).toBe(count);
  });

  it('caps subscriptions per socket with a clear error', async () => {
    // The test servers keep the default cap of 100.
    const socket = open(on(0), member.accessToken);
    const subs = Array.from({ length: 101 }, () => subscribe(socket, ROOM_EVENTS, { roomId }));
    await eventually(() => subs.some((s) => s.results.some((r) => r.errors)));
    const refused = subs.filter((s) => s.results.some((r) => r.errors));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.results[0]!.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(refused[0]!.results[0]!.errors![0]!.message).toMatch(/Too many subscriptions/);
  });

  it('online counts agree on every replica as sockets come and go', async () => {
    const counts = replicas.map((replica) => subscribe(open(replica), ONLINE));
    const latest = () =>
      counts.map((s) => s.events().at(-1)?.onlineCount as { users: number; guests: number } | undefined);
    await eventually(() => latest().every((c) => c !== undefined));
    const base = latest()[0]!;
    await eventually(
      () => latest().every((c) => c!.users === base.users && c!.guests === base.guests),
      10_000,
      'replicas to agree',
    );
    const somebody = await registerUser(on(0).url);
    const first = open(on(0), somebody.accessToken);
    const second = open(on(1), somebody.accessToken);
    const guest = open(on(1));
    await eventually(
      () => latest().every((c) => c!.users === base.users + 1 && c!.guests === base.guests + 1),
      10_000,
      'one more user and one more guest everywhere',
    );
    const online = await chatClient(on(0).url).data('query ($u: String!) { roomByName(name: $u) { id } }', {
      u: `live-${owner.user.username}`,
    });
    expect(online).toBeTruthy();
    await first.dispose();
    await guest.dispose();
    await eventually(
      () => latest().every((c) => c!.users === base.users + 1 && c!.guests === base.guests),
      10_000,
      'the guest gone, the user still on',
    );
    await second.dispose();
    await eventually(
      () => latest().every((c) => c!.users === base.users && c!.guests === base.guests),
      10_000,
      'back to the start',
    );
  });
});

describe.each(sharedModes.filter((mode) => mode.run && hasPostgres))('replicas that stop, on $name', (mode) => {
  it('online counts drop at once for a clean stop (SIGTERM, sockets closed with 1012) and within 30 s for SIGKILL', async () => {
    const env = {
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      ...(await mode.env(cleanups)),
      PRESENCE_HEARTBEAT: '1s',
      PRESENCE_TTL: '5s',
    };
    const [a, b, c] = [spawnServer(env), spawnServer(env), spawnServer(env)];
    cleanups.push(async () => {
      for (const p of [a, b, c]) p.kill('SIGKILL');
      await Promise.all([a, b, c].map((p) => p.exited));
    });
    const [urlA, urlB, urlC] = await Promise.all([a.ready, b.ready, c.ready]);
    const ws = (url: string) => `${url.replace(/^http/, 'ws')}/graphql`;
    const watcher = connect(ws(urlA!));
    cleanups.push(() => watcher.dispose());
    const counts = subscribe(watcher, ONLINE);
    await counts.waitFor((e) => e.length > 0);
    const guests = () => (counts.events().at(-1)!.onlineCount as { guests: number }).guests;
    const base = guests();
    const onB = [connect(ws(urlB!)), connect(ws(urlB!))];
    const onC = [connect(ws(urlC!)), connect(ws(urlC!)), connect(ws(urlC!))];
    cleanups.push(async () => void (await Promise.all([...onB, ...onC].map((s) => s.dispose()))));
    await eventually(() => guests() === base + 5, 10_000, 'five more guests');

    const stoppedAt = Date.now();
    b.kill('SIGTERM');
    expect(await onB[0]!.closed).toBe(1012);
    expect(await b.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await eventually(() => guests() === base + 3, 3_000, 'the stopped replica’s guests to go at once');

    const killedAt = Date.now();
    c.kill('SIGKILL');
    await eventually(() => guests() === base, 30_000, 'the killed replica’s guests to expire');
    expect(Date.now() - killedAt).toBeLessThan(30_000);
  });
});

describe('keep-alive', () => {
  it('drops a socket that stops answering pings', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), WS_KEEPALIVE: '500ms' });
    cleanups.push(server.stop);
    // A client that never answers the server's pings, as a dead peer behind a NAT would not.
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { autoPong: false });
    await new Promise((resolve) => socket.once('open', resolve));
    const openedAt = Date.now();
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise((resolve) => socket.once('close', resolve));
    // One interval to ping, one more to find no pong: dropped within a few intervals.
    expect(Date.now() - openedAt).toBeLessThan(5_000);
  });

  it('keeps a socket that answers them', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), WS_KEEPALIVE: '300ms' });
    cleanups.push(server.stop);
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    cleanups.push(async () => socket.terminate());
    let pings = 0;
    socket.on('ping', () => pings++);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await eventually(() => pings >= 5, 10_000, 'five pings');
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });
});

describe.runIf(hasRedis && hasPostgres)('subscriptions that end', () => {
  it('release their Redis channels: 10,000 subscribe/unsubscribe cycles leave the channel count and heap where they were', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups, 'postgres')), REDIS_URL: redisUrl });
    cleanups.push(server.stop);
    const user = await registerUser(server.url);
    const c: ChatClient = chatClient(server.url, user.accessToken);
    const rooms: string[] = [];
    for (let i = 0; i < 10; i++)
      rooms.push((await c.createRoom(`leak-${i}-${user.user.username}`)).data!.createRoom.id);
    const redis = new Redis(redisUrl!);
    cleanups.push(async () => void redis.disconnect());
    // Subscribers of this test's room channels (other tests' servers hold channels of their own).
    const channels = async () => {
      const counts = (await redis.pubsub('NUMSUB', ...rooms.map((id) => `chat:room:${rawId(id)}`))) as (
        string | number
      )[];
      return counts.filter((_, i) => i % 2 === 1).reduce<number>((sum, n) => sum + Number(n), 0);
    };
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    // The subscriptions come from a client in a process of its own: only the server is measured here.
    const churn = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [churnScript, server.wsUrl, user.accessToken, rooms.join(','), String(count)],
          {
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        );
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`churn exited with ${code}`))));
      });
    const settled = async () => {
      await eventually(async () => (await channels()) === 0, 20_000, 'channels released');
      await new Promise((r) => setTimeout(r, 1_000));
      return heap();
    };
    // The first round fills what is bounded (plan caches, JIT); the next must leave the heap flat.
    await churn(10_000);
    const before = await settled();
    await churn(10_000);
    const after = await settled();
    expect(await channels()).toBe(0);
    // What grows between rounds is bounded (Prisma's plans for each size of batched lookups,
    // checked with heap snapshots); a leak of 600 bytes per subscription would add 6 MB.
    expect(after - before, `heap ${before} → ${after}`).toBeLessThan(6 * 1024 * 1024);
  }, 120_000);
});

describe('limits on sockets', () => {
  it('a user with too many sockets is closed with 4429', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), MAX_SOCKETS_PER_USER: '2' });
    cleanups.push(server.stop);
    const user = await registerUser(server.url);
    const sockets = [connect(server.wsUrl, user.accessToken), connect(server.wsUrl, user.accessToken)];
    cleanups.push(async () => void (await Promise.all(sockets.map((s) => s.dispose()))));
    await Promise.all(sockets.map((s) => subscribe(s, ONLINE).waitFor((e) => e.length > 0)));
    const third = connect(server.wsUrl, user.accessToken);
    expect(await third.closed).toBe(4429);
    expect(outcome(await chatClient(server.url, user.accessToken).call('{ me { id online } }'))).toBe('OK');
  });
});

describe('message events carry their history cursor', () => {
  it('MessageCreated, MessageEdited and MessageDeleted cursors are the edge cursors of messages(roomId), and page on', async () => {
    const server = await startServer({ ...(await freshDatabaseEnv(cleanups)) });
    cleanups.push(server.stop);
    const user = await registerUser(server.url);
    const c = chatClient(server.url, user.accessToken);
    const roomId = (await c.createRoom(`cursors_${Date.now()}`)).data!.createRoom.id;
    const socket = connect(server.wsUrl, user.accessToken);
    cleanups.push(() => socket.dispose());
    const sub = subscribe(
      socket,
      `subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { __typename
        ... on MessageCreated { cursor message { id seq } }
        ... on MessageEdited { cursor message { id seq } }
        ... on MessageDeleted { cursor message { id seq } } } }`,
      { roomId },
    );
    const first = (await c.send(roomId, 'one')).data!.sendMessage;
    await eventually(async () => sub.events().length > 0 || ((await c.send(roomId, 'more')) && false));
    const second = (await c.send(roomId, 'two')).data!.sendMessage;
    await c.edit(second.id, 'two, edited');
    await c.remove(second.id);
    await sub.waitFor((events) => events.some((e) => e.roomEvents.__typename === 'MessageDeleted'));
    const page = (await c.messages(roomId, { last: 50 })).data!.messages;
    const edgeCursor = new Map(page.edges.map((e: { cursor: string; node: { id: string } }) => [e.node.id, e.cursor]));
    const events = sub.events().map((e) => e.roomEvents);
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const event of events) expect(event.cursor).toBe(edgeCursor.get(event.message.id));
    const older = (await c.messages(roomId, { last: 1, before: events.at(-1).cursor })).data!.messages;
    expect(older.edges.map((e: { node: { seq: number } }) => e.node.seq)).toEqual([second.seq - 1]);
    expect(first.seq).toBeLessThan(second.seq);
  });
});
