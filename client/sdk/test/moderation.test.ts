// Roles and moderation through the SDK: the room's moderation shortcuts, and room streams of a
// removed member that end with FORBIDDEN, once, without reconnecting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { startServer, type TestServer } from '../../../server/test/support/server.js';
import { ChatError, type ChatClient, type RoomEvent } from '../src/index.js';
import { nodeClient, PASSWORD, sleep, uniqueName, until } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startServer(await freshDatabaseEnv(cleanups));
  cleanups.push(server.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function signedIn(prefix: string): Promise<{ c: ChatClient; username: string; userId: string }> {
  const c = nodeClient(server.graphqlUrl);
  cleanups.push(() => c.close());
  const username = uniqueName(prefix);
  const payload = await c.register({ username, password: PASSWORD });
  return { c, username, userId: payload.user.id };
}

async function failure(promise: Promise<unknown>): Promise<ChatError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ChatError) return error;
    throw error;
  }
  throw new Error('expected a ChatError');
}

describe('moderation through the SDK', () => {
  it('roles, settings, mutes, reports and the audit log', async () => {
    const [owner, mod, member] = await Promise.all([signedIn('owner'), signedIn('mod'), signedIn('member')]);
    const created = await owner.c.createRoom({ name: uniqueName('moderated'), kind: 'PUBLIC' });
    await Promise.all([mod.c.room(created.id).join(), member.c.room(created.id).join()]);
    const room = owner.c.room(created.id).moderation;

    await room.setRole(mod.userId, 'MODERATOR');
    const asMod = mod.c.room(created.id);
    expect((await asMod.get())?.viewerRole).toBe('MODERATOR');
    const members = await room.members();
    expect(Object.fromEntries(members.items.map((m) => [m.user.username, m.role]))).toEqual({
      [owner.username]: 'OWNER',
      [mod.username]: 'MODERATOR',
      [member.username]: 'MEMBER',
    });

    const updated = await asMod.moderation.update({ topic: 'Be kind', slowModeSeconds: 10 });
    expect(updated).toMatchObject({ topic: 'Be kind', slowModeSeconds: 10 });
    const range = await failure(asMod.moderation.update({ slowModeSeconds: 7200 }));
    expect([range.code, range.field]).toEqual(['BAD_USER_INPUT', 'slowModeSeconds']);
    expect((await failure(room.setRole(owner.userId, 'MEMBER'))).code).toBe('CONFLICT');
    expect((await failure(asMod.moderation.remove(owner.userId))).code).toBe('FORBIDDEN');

    // Slow mode: the member waits, with retryAfterMs.
    const asMember = member.c.room(created.id);
    const spam = await asMember.send('hello');
    const slow = await failure(asMember.send('again'));
    expect(slow.code).toBe('RATE_LIMITED');
    expect(slow.retryAfterMs).toBeGreaterThan(5_000);

    await asMod.moderation.mute(member.userId, new Date(Date.now() + 60_000));
    expect((await asMember.get())?.viewerMutedUntil).not.toBeNull();
    expect((await failure(asMember.setTyping(true))).code).toBe('FORBIDDEN');
    await asMod.moderation.unmute(member.userId);

    expect(await owner.c.mutate.reportMessage({ messageId: spam.id, reason: 'spam' })).toBe(true);
    const reports = await asMod.moderation.reports();
    expect(reports.items.map((r) => [r.message.id, r.reporter.username, r.reason])).toEqual([
      [spam.id, owner.username, 'spam'],
    ]);
    await mod.c.mutate.deleteMessage({ messageId: spam.id });
    const log = await room.auditLog();
    expect(log.items.map((e) => e.action)).toEqual([
      'MESSAGE_DELETED',
      'MEMBER_UNMUTED',
      'MEMBER_MUTED',
      'ROOM_UPDATED',
      'ROLE_CHANGED',
    ]);
    expect((await failure(asMod.moderation.auditLog())).code).toBe('FORBIDDEN');

    await room.archive();
    expect((await failure(owner.c.room(created.id).send('archived'))).code).toBe('FORBIDDEN');
    expect((await room.unarchive()).archivedAt).toBeNull();
  });

  it('a removed member\u2019s room streams end with FORBIDDEN, once, without reconnecting', async () => {
    const [owner, member] = await Promise.all([signedIn('owner'), signedIn('member')]);
    const created = await owner.c.createRoom({ name: uniqueName('private'), kind: 'PRIVATE' });
    await owner.c.room(created.id).invite(member.username);
    const handle = member.c.room(created.id);
    await handle.join();

    let connections = 0;
    member.c.on('connected', () => connections++);
    const stream = handle.messages();
    const received: string[] = [];
    const streamEnded = (async () => {
      try {
        for await (const message of stream) received.push(message.body);
        return null;
      } catch (error) {
        return error as ChatError;
      }
    })();
    const events: RoomEvent[] = [];
    let eventsError: ChatError | undefined;
    const subscription = handle.events({ next: (e) => events.push(e), error: (e) => (eventsError = e) });

    await until(() => connections > 0, 5_000, 'the socket');
    // Both subscriptions are live once a message reaches both.
    for (let i = 0; received.length === 0 || events.length === 0; i++) {
      await owner.c.room(created.id).send(`hello ${i}`);
      await sleep(100);
    }

    await owner.c.room(created.id).moderation.remove(member.userId, 'left the company');
    const error = await streamEnded;
    expect(error).toBeInstanceOf(ChatError);
    expect(error?.code).toBe('FORBIDDEN');
    await until(() => eventsError !== undefined, 2_000, 'the events to end');
    expect(eventsError?.code).toBe('FORBIDDEN');
    expect(subscription.closed).toBe(true);

    // Nothing more: no reconnection, no retries, nothing delivered.
    const seen = received.length;
    await owner.c.room(created.id).send('after the removal');
    await sleep(1_000);
    expect(received.length).toBe(seen);
    expect(connections).toBe(1);
    expect(stream.stats.recoveryRequests).toBeLessThanOrEqual(3);
  });
});
