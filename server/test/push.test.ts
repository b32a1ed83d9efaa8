// Web Push against a push service the test runs on loopback, which verifies VAPID and decrypts each
// payload with the subscription's private key: who gets a push (users with no live connection),
// what it says, 404/410 dropping a subscription, retries, and every refusal of a bad subscription.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { chatClient, type ChatClient } from './support/chat.js';
import { createDataDir, freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import type { GraphQLResponse } from './support/graphql.js';
import { connect, eventually } from './support/live.js';
import { startPushService, type PushService, type TestSubscription } from './support/push-service.js';
import { rawId, startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const REGISTER = 'mutation ($i: PushSubscriptionInput!) { registerPushSubscription(input: $i) }';
const UNREGISTER = 'mutation ($i: PushEndpointInput!) { unregisterPushSubscription(input: $i) }';

function refused(response: GraphQLResponse, code: string, field: string) {
  expect(response.errors, JSON.stringify(response)).toHaveLength(1);
  expect(response.errors![0]!.extensions).toMatchObject({ code, field });
}

const register = (c: ChatClient, sub: Pick<TestSubscription, 'endpoint' | 'keys'>) =>
  c.call(REGISTER, { i: { endpoint: sub.endpoint, keys: sub.keys } });

describe('Web Push', () => {
  let service: PushService;
  let server: TestServer;
  let sender: Session;
  let reader: Session;
  let as: { sender: ChatClient; reader: ChatClient };
  let roomId: string;
  const subscriptionCount = () =>
    server.app.services.db.prisma.pushSubscription.count({ where: { userId: rawId(reader.user.id) } });

  beforeAll(async () => {
    service = await startPushService();
    cleanups.push(service.close);
    server = await startServer({
      ...(await freshDatabaseEnv(cleanups)),
      PUSH_ALLOW_PRIVATE: 'true',
      PUSH_RETRY_BASE: '100ms',
      PUSH_POLL_INTERVAL: '1h',
      PUSH_MAX_ATTEMPTS: '3',
    });
    cleanups.push(server.stop);
    [sender, reader] = [await registerUser(server.url), await registerUser(server.url)];
    as = { sender: chatClient(server.url, sender.accessToken), reader: chatClient(server.url, reader.accessToken) };
    roomId = (await as.sender.createRoom(uniqueName('push'))).data!.createRoom.id;
    await as.reader.joinRoom({ roomId });
  });

  it('pushes a new notification to a user with no live connection: VAPID-signed, aes128gcm, decrypted here', async () => {
    const sub = service.subscription();
    expect((await register(as.reader, sub)).data!.registerPushSubscription).toBe(true);
    const body = `@${reader.user.username} ${'long '.repeat(60)}`;
    const sent = (
      await as.sender.call('mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
        i: { roomId, body },
      })
    ).data!.sendMessage;
    await eventually(() => service.received.some((r) => r.endpointId === sub.id), 10_000, 'the push');
    expect(service.failures).toEqual([]);
    const push = service.received.find((r) => r.endpointId === sub.id)!;
    const vapidPublicKey = (await as.reader.data('{ vapidPublicKey }')).vapidPublicKey;
    expect(push.vapidKey).toBe(vapidPublicKey);
    const inbox = await as.reader.data('{ notifications(first: 1) { edges { node { id } } } }');
    expect(push.payload).toEqual({
      notification: {
        id: inbox.notifications.edges[0].node.id,
        kind: 'MENTION',
        roomId,
        messageId: sent.id,
        title: expect.stringContaining(sender.user.username),
        body: [...body].slice(0, 200).join(''),
      },
    });
    expect(push.headers.ttl).toBeDefined();
    // Sent: nothing left in the outbox.
    expect(await server.app.services.db.prisma.pushDelivery.count()).toBe(0);
  });

  it('sends nothing to a user who is connected (they hear notificationAdded)', async () => {
    const sub = service.subscription();
    await register(as.reader, sub);
    const socket = connect(server.wsUrl, reader.accessToken);
    cleanups.push(() => socket.dispose());
    await eventually(async () => (await as.sender.data(`{ onlineCount { users } }`)).onlineCount.users >= 1);
    await as.sender.send(roomId, `@${reader.user.username} while online`);
    await eventually(async () => (await server.app.services.db.prisma.pushDelivery.count()) === 0, 5_000, 'the outbox');
    expect(service.hits.get(sub.id) ?? 0).toBe(0);
    await socket.dispose();
    await eventually(
      async () => !(await server.app.services.presence.isOnline(rawId(reader.user.id))),
      5_000,
      'offline',
    );
    await as.reader.call(UNREGISTER, { i: { endpoint: sub.endpoint } });
  });

  it('drops a subscription whose endpoint answers 404 or 410, and retries others a few times', async () => {
    const gone = service.subscription(() => 410);
    const flaky = service.subscription((attempt) => (attempt < 3 ? 503 : 201));
    const broken = service.subscription(() => 500);
    for (const sub of [gone, flaky, broken]) await register(as.reader, sub);
    await as.sender.send(roomId, `@${reader.user.username} again`);
    await eventually(() => service.received.some((r) => r.endpointId === flaky.id), 10_000, 'the third attempt');
    expect(service.hits.get(flaky.id)).toBe(3);
    await eventually(() => service.hits.get(broken.id) === 3, 10_000, 'three attempts in all');
    await eventually(async () => (await server.app.services.db.prisma.pushDelivery.count()) === 0, 5_000, 'given up');
    expect(service.hits.get(gone.id)).toBe(1);
    const endpoints = (
      await server.app.services.db.prisma.pushSubscription.findMany({ where: { userId: rawId(reader.user.id) } })
    ).map((s) => s.endpoint);
    expect(endpoints).not.toContain(gone.endpoint);
    expect(endpoints).toContain(flaky.endpoint);
    expect(
      (await as.reader.call(UNREGISTER, { i: { endpoint: flaky.endpoint } })).data!.unregisterPushSubscription,
    ).toBe(true);
    expect(
      (await as.reader.call(UNREGISTER, { i: { endpoint: flaky.endpoint } })).data!.unregisterPushSubscription,
    ).toBe(false);
    await as.reader.call(UNREGISTER, { i: { endpoint: broken.endpoint } });
  });

  it('refuses malformed endpoints and keys, naming the field, and stores nothing', async () => {
    const good = service.subscription();
    const before = await subscriptionCount();
    const cases: [Partial<{ endpoint: string; keys: { p256dh: string; auth: string } }>, string][] = [
      [{ endpoint: 'not a url' }, 'endpoint'],
      [{ endpoint: 'http://push.example.com/x' }, 'endpoint'],
      [{ endpoint: 'ftp://127.0.0.1/x' }, 'endpoint'],
      [{ endpoint: `https://user:pw@push.example.com/x` }, 'endpoint'],
      [{ keys: { ...good.keys, p256dh: 'not base64!' } }, 'keys.p256dh'],
      [{ keys: { ...good.keys, p256dh: Buffer.alloc(64, 4).toString('base64url') } }, 'keys.p256dh'],
      [{ keys: { ...good.keys, p256dh: Buffer.alloc(65, 3).toString('base64url') } }, 'keys.p256dh'],
      [{ keys: { ...good.keys, auth: '***' } }, 'keys.auth'],
      [{ keys: { ...good.keys, auth: Buffer.alloc(15).toString('base64url') } }, 'keys.auth'],
    ];
    for (const [change, field] of cases) {
      refused(await register(as.reader, { ...good, ...change }), 'BAD_USER_INPUT', field);
    }
    expect(await subscriptionCount()).toBe(before);
    const guest = chatClient(server.url);
    expect((await register(guest, good)).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('refuses endpoints on private addresses without PUSH_ALLOW_PRIVATE, and generates VAPID keys into DATA_DIR', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const strict = await startServer({ DATA_DIR: data.dir });
    cleanups.push(strict.stop);
    const user = await registerUser(strict.url);
    const c = chatClient(strict.url, user.accessToken);
    const keys = service.subscription().keys;
    for (const endpoint of [
      service.subscription().endpoint, // http on loopback
      'https://127.0.0.1/push/x',
      'https://10.1.2.3/push/x',
      'https://[::1]/push/x',
      'https://169.254.169.254/latest',
      'https://localhost/push/x',
    ]) {
      refused(await register(c, { endpoint, keys }), 'BAD_USER_INPUT', 'endpoint');
    }
    expect(await strict.app.services.db.prisma.pushSubscription.count()).toBe(0);
    const file = join(data.dir, 'vapid-keys.json');
    await access(file);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect((await c.data('{ vapidPublicKey }')).vapidPublicKey).toBe(stored.publicKey);
    expect(Buffer.from(stored.publicKey, 'base64url')).toHaveLength(65);
  });

  it.runIf(hasPostgres && hasRedis)(
    'on two replicas: no push while the user is connected to the other one, a push once they are gone',
    async () => {
      const keys = webpush.generateVAPIDKeys();
      const env = {
        ...(await freshDatabaseEnv(cleanups, 'postgres')),
        REDIS_URL: redisUrl!,
        PUSH_ALLOW_PRIVATE: 'true',
        PUSH_POLL_INTERVAL: '1h',
        PRESENCE_HEARTBEAT: '500ms',
        PRESENCE_TTL: '3s',
        // Both replicas share one key pair, as operators must set it.
        VAPID_PUBLIC_KEY: keys.publicKey,
        VAPID_PRIVATE_KEY: keys.privateKey,
      };
      const [one, two] = [await startServer(env), await startServer(env)];
      cleanups.push(one.stop, two.stop);
      const [ann, bea] = [await registerUser(one.url), await registerUser(one.url)];
      const c1 = chatClient(one.url, ann.accessToken);
      const room = (await c1.createRoom(uniqueName('replicas'))).data!.createRoom.id;
      const c2 = chatClient(two.url, bea.accessToken);
      await c2.joinRoom({ roomId: room });
      const sub = service.subscription();
      await register(c2, sub);
      const socket = connect(two.wsUrl, bea.accessToken);
      cleanups.push(() => socket.dispose());
      await eventually(() => one.app.services.presence.isOnline(rawId(bea.user.id)), 5_000, 'online on both');
      await c1.send(room, `@${bea.user.username} while connected to the other replica`);
      await eventually(async () => (await one.app.services.db.prisma.pushDelivery.count()) === 0, 5_000, 'the outbox');
      expect(service.hits.get(sub.id) ?? 0).toBe(0);
      await socket.dispose();
      await eventually(async () => !(await one.app.services.presence.isOnline(rawId(bea.user.id))), 10_000, 'offline');
      await c1.send(room, `@${bea.user.username} gone now`);
      await eventually(() => service.received.some((r) => r.endpointId === sub.id), 10_000, 'the push');
      const push = service.received.find((r) => r.endpointId === sub.id)!;
      expect(push.payload.notification.body).toBe(`@${bea.user.username} gone now`);
      expect(push.vapidKey).toBe(env.VAPID_PUBLIC_KEY);
    },
    40_000,
  );
});
