import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, outcome } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { connect, eventually, subscribe, type Socket, type Subscription } from './support/live.js';
import { fromNow, moderationOf } from './support/moderation.js';
import { spawnServer, startServer } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

/**
 * Moderation, live (API.md, "Roles and moderation"): a removed or banned member's streams of a
 * PRIVATE room end with FORBIDDEN within 1 s on every replica; a muted member's typing is dropped;
 * slow mode holds across replicas; role changes and room settings arrive as events.
 */

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const EVENTS = `__typename
  ... on MessageCreated { message { id body } }
  ... on MemberRemoved { user { id } banned }
  ... on MemberRoleChanged { user { id } role }
  ... on MemberMuted { user { id } until }
  ... on RoomUpdated { room { id topic slowModeSeconds archivedAt } }
  ... on TypingChanged { user { id } typing }`;
const ROOM_EVENTS = `subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { ${EVENTS} } }`;
const MESSAGE_ADDED = `subscription ($roomId: ID!) { messageAdded(roomId: $roomId) { id body } }`;
const MY_EVENTS = `subscription { myEvents { ${EVENTS} ... on MemberRemoved { room { id } } } }`;

type Event = { __typename: string; user?: { id: string }; banned?: boolean; role?: string; typing?: boolean };

const setups = [
  { name: 'one replica, in-process pub/sub', replicas: 1, run: true },
  { name: 'two replicas on PostgreSQL and Redis', replicas: 2, run: hasPostgres && hasRedis },
];

describe.each(setups.filter((s) => s.run))('moderation live with $name', ({ replicas: count }) => {
  let urls: { url: string; wsUrl: string }[];
  let owner: Session;
  let member: Session;
  let other: Session;
  const on = (i: number) => urls[i % urls.length]!;

  beforeAll(async () => {
    if (count === 2) {
      const env = { ...(await freshDatabaseEnv(cleanups, 'postgres')), REDIS_URL: redisUrl! };
      const processes = [spawnServer(env), spawnServer(env)];
      cleanups.push(async () => {
        for (const p of processes) p.kill();
        await Promise.all(processes.map((p) => p.exited));
      });
      urls = (await Promise.all(processes.map((p) => p.ready))).map((url) => ({
        url,
        wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
      }));
    } else {
      const server = await startServer(await freshDatabaseEnv(cleanups, 'embedded'));
      cleanups.push(server.stop);
      urls = [{ url: server.url, wsUrl: server.wsUrl }];
    }
    [owner, member, other] = await Promise.all([
      registerUser(on(0).url),
      registerUser(on(0).url),
      registerUser(on(0).url),
    ]);
  });

  const open = (i: number, token?: string): Socket => {
    const socket = connect(on(i).wsUrl, token);
    cleanups.push(() => socket.dispose());
    return socket;
  };
  const as = (i: number, s: Session) => chatClient(on(i).url, s.accessToken);

  /** A PRIVATE room of the owner (on replica 0) with `member` and `other` in it. */
  async function privateRoom() {
    const roomId = (await as(0, owner).createRoom(`mod-live-${Math.random()}`, 'PRIVATE')).data!.createRoom.id;
    for (const s of [member, other]) {
      await as(0, owner).invite(roomId, s.user.username);
      await as(1, s).joinRoom({ roomId });
    }
    return roomId;
  }

  /** Waits until `sub` hears a message sent now (subscriptions start asynchronously). */
  async function ready(roomId: string, subs: Subscription[]) {
    const sender = as(0, owner);
    await eventually(async () => {
      await sender.send(roomId, 'anyone?');
      await new Promise((r) => setTimeout(r, 50));
      return subs.every((s) => s.events().length > 0);
    });
  }

  it('a banned member\u2019s streams end with FORBIDDEN within 1 s on the other replica; others go on', async () => {
    const roomId = await privateRoom();
    const memberSocket = open(1, member.accessToken);
    const roomEvents = subscribe(memberSocket, ROOM_EVENTS, { roomId });
    const messageAdded = subscribe(memberSocket, MESSAGE_ADDED, { roomId });
    const myEvents = subscribe(memberSocket, MY_EVENTS);
    const bystander = subscribe(open(1, other.accessToken), ROOM_EVENTS, { roomId });
    await ready(roomId, [roomEvents, messageAdded, myEvents, bystander]);

    const banned = await moderationOf(as(0, owner)).ban(roomId, member.user.id);
    expect(outcome(banned)).toBe('OK');
    const returned = Date.now();
    await Promise.all([roomEvents.ended, messageAdded.ended]);
    expect(Date.now() - returned).toBeLessThan(1000);
    for (const sub of [roomEvents, messageAdded]) {
      const last = sub.results.at(-1)!;
      expect(last.errors?.[0]?.extensions?.code, JSON.stringify(last)).toBe('FORBIDDEN');
      expect(last.errors?.[0]?.message).toMatch(/banned/);
    }
    await myEvents.waitFor((events) => events.some((e) => e.myEvents.__typename === 'MemberRemoved'));
    await bystander.waitFor((events) =>
      events.some((e) => e.roomEvents.__typename === 'MemberRemoved' && e.roomEvents.banned === true),
    );

    // Nothing of the room reaches the banned member any more; the others hear it.
    await as(0, owner).send(roomId, 'after the ban');
    await bystander.waitFor((events) => events.some((e) => e.roomEvents.message?.body === 'after the ban'));
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.stringify(myEvents.results)).not.toContain('after the ban');
    // And they cannot come back or subscribe again.
    expect(outcome(await as(1, member).joinRoom({ roomId }))).toBe('FORBIDDEN');
    const again = subscribe(open(1, member.accessToken), ROOM_EVENTS, { roomId });
    await again.ended;
    expect(JSON.stringify(again.results)).toContain('FORBIDDEN');
    await moderationOf(as(0, owner)).unban(roomId, member.user.id);
  });

  it('a kicked member\u2019s stream ends with FORBIDDEN; in a PUBLIC room it goes on', async () => {
    const roomId = await privateRoom();
    const kicked = subscribe(open(1, other.accessToken), ROOM_EVENTS, { roomId });
    await ready(roomId, [kicked]);
    expect(outcome(await moderationOf(as(0, owner)).remove(roomId, other.user.id, 'left the company'))).toBe('OK');
    await kicked.ended;
    const last = kicked.results.at(-1)!;
    expect(last.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(last.errors?.[0]?.message).toMatch(/removed/);

    const publicId = (await as(0, owner).createRoom(`mod-live-public-${Math.random()}`)).data!.createRoom.id;
    await as(1, other).joinRoom({ roomId: publicId });
    const stays = subscribe(open(1, other.accessToken), ROOM_EVENTS, { roomId: publicId });
    await ready(publicId, [stays]);
    await moderationOf(as(0, owner)).ban(publicId, other.user.id);
    await as(0, owner).send(publicId, 'still readable');
    await stays.waitFor((events) => events.some((e) => e.roomEvents.message?.body === 'still readable'));
  });

  it('role changes, mutes and settings arrive as events; a muted member\u2019s typing is dropped', async () => {
    const roomId = await privateRoom();
    const watcher = subscribe(open(1, owner.accessToken), ROOM_EVENTS, { roomId });
    await ready(roomId, [watcher]);
    const mod = moderationOf(as(0, owner));
    const typename = (name: string) => (events: { roomEvents: Event }[]) =>
      events.some((e) => e.roomEvents.__typename === name);

    expect(outcome(await mod.setRole(roomId, other.user.id, 'MODERATOR'))).toBe('OK');
    await watcher.waitFor(typename('MemberRoleChanged'));
    expect(outcome(await mod.update({ roomId, topic: 'Be kind', slowModeSeconds: 30 }))).toBe('OK');
    await watcher.waitFor(typename('RoomUpdated'));

    const memberMod = moderationOf(as(1, member));
    expect(outcome(await memberMod.typing(roomId))).toBe('OK');
    await watcher.waitFor((events) => events.some((e) => e.roomEvents.typing === true));
    // A moderator on the other replica mutes them: the typing stops at once, and more is refused.
    expect(outcome(await moderationOf(as(1, other)).mute(roomId, member.user.id, fromNow(60_000)))).toBe('OK');
    await watcher.waitFor(typename('MemberMuted'));
    await watcher.waitFor((events) => events.some((e) => e.roomEvents.typing === false));
    const typing = await memberMod.typing(roomId);
    expect(outcome(typing)).toBe('FORBIDDEN');
    expect(outcome(await as(0, member).send(roomId, 'muted'))).toBe('FORBIDDEN');
    expect(outcome(await moderationOf(as(1, other)).unmute(roomId, member.user.id))).toBe('OK');

    // Slow mode (30 s) counts across replicas; owners and moderators are exempt.
    expect(outcome(await as(0, member).send(roomId, 'one'))).toBe('OK');
    const second = await as(1, member).send(roomId, 'two');
    expect(outcome(second)).toBe('RATE_LIMITED');
    expect(second.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(20_000);
    for (const s of [owner, other]) {
      expect(outcome(await as(0, s).send(roomId, 'one'))).toBe('OK');
      expect(outcome(await as(1, s).send(roomId, 'two'))).toBe('OK');
    }
  });
});
