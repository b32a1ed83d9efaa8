import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '../../client/sdk/src/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chatClient, type ChatClient } from './support/chat.js';
import { databaseKinds, freshDatabaseEnv, query } from './support/databases.js';
import { LISTENER_APPLICATION_NAME } from '../src/infra/listener.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { startReceiver, type Receiver, type Received } from './support/receiver.js';
import { rawId, spawnReplicas, startServer, type TestServer } from './support/server.js';
import { registerUser, uniqueName } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Settings of a server that may send to the test's receivers on loopback, and retries quickly. */
export const WEBHOOK_TEST_ENV = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_TIMEOUT: '2s',
  WEBHOOK_RETRY_BASE: '100ms',
  WEBHOOK_RETRY_WINDOW: '4s',
  // Nothing waits for a poll: every delivery goes out because it was queued or fell due.
  WEBHOOK_POLL_INTERVAL: '1h',
};

const ALL_EVENTS = ['MESSAGE_CREATED', 'MESSAGE_EDITED', 'MESSAGE_DELETED', 'MEMBER_JOINED', 'MEMBER_LEFT'];

const CREATE = `mutation ($i: CreateWebhookInput!) {
  createWebhook(input: $i) { secret webhook { id url events active createdAt room { id } } }
}`;
const WEBHOOKS = 'query ($r: ID!) { webhooks(roomId: $r) { id url events active inactiveReason } }';
const DELIVERIES = `query ($w: ID!, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $w, first: $first, after: $after) {
    edges { node { id seq event status attempts lastStatusCode lastError deliveredAt nextAttemptAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Waits until `check` stops throwing (the worker delivers in the background). */
const eventually = <T>(check: () => T | Promise<T>, timeout = 20_000) => vi.waitFor(check, { timeout, interval: 50 });

const parsed = (r: Received) => JSON.parse(r.body) as Record<string, any>;

describe.each(databaseKinds)('webhooks on the %s database', (kind) => {
  let server: TestServer;
  let receiver: Receiver;
  let owner: ChatClient;
  let member: ChatClient;
  let memberName: string;
  /** A room of the owner's, with the member in it. */
  const newRoom = async () => {
    const room = (await owner.createRoom(uniqueName('hooks'))).data!.createRoom as { id: string };
    await member.joinRoom({ roomId: room.id });
    return room.id;
  };
  const createWebhook = async (roomId: string, path: string, events = ALL_EVENTS) => {
    const result = await owner.call(CREATE, { i: { roomId, url: `${receiver.url}${path}`, events } });
    expect(result.errors).toBeUndefined();
    return result.data!.createWebhook as { secret: string; webhook: { id: string; events: string[] } };
  };
  const deliveries = async (webhookId: string) =>
    (await owner.data(DELIVERIES, { w: webhookId })).webhookDeliveries.edges.map((e: { node: unknown }) => e.node);

  beforeAll(async () => {
    receiver = await startReceiver((request, earlier) => {
      if (request.path.startsWith('/flaky')) return earlier === 0 ? 500 : 200;
      if (request.path.startsWith('/hang')) return 'hang';
      if (request.path.startsWith('/gone')) return earlier === 0 ? 410 : 200;
      if (request.path.startsWith('/down')) return 503;
      return 200;
    });
    cleanups.push(receiver.close);
    server = await startServer({ ...(await freshDatabaseEnv(cleanups, kind)), ...WEBHOOK_TEST_ENV });
    cleanups.push(server.stop);
    const [a, b] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
    owner = chatClient(server.url, a.accessToken);
    member = chatClient(server.url, b.accessToken);
    memberName = b.user.username;
  });

  describe('delivery', () => {
    it('POSTs every event of the room, in order, signed so that Standard Webhooks verifies it', async () => {
      const roomId = await newRoom();
      const { secret, webhook } = await createWebhook(roomId, '/all');
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      await member.leaveRoom(roomId);
      await member.joinRoom({ roomId });
      const sent = (await member.send(roomId, 'hello hooks')).data!.sendMessage;
      await member.edit(sent.id, 'hello, hooks');
      await member.remove(sent.id);

      const got = await eventually(() => {
        const at = receiver.at('/all');
        expect(at).toHaveLength(5);
        return at;
      });
      const verifier = new Webhook(secret);
      const bodies = got.map(
        (r) => verifier.verify(r.body, r.headers as Record<string, string>) as Record<string, any>,
      );
      expect(bodies.map((b) => b.type)).toEqual([
        'member.left',
        'member.joined',
        'message.created',
        'message.edited',
        'message.deleted',
      ]);
      for (const [i, r] of got.entries()) {
        expect(r.headers['webhook-id']).toBe(bodies[i]!.id);
        expect(r.headers['content-type']).toBe('application/json');
        expect(Number(r.headers['webhook-timestamp'])).toBeGreaterThan(1_700_000_000);
        expect(r.headers['webhook-signature']).toMatch(/^v1,/);
        expect(bodies[i]!.room).toEqual({ id: roomId, name: expect.any(String) });
        expect(new Date(bodies[i]!.createdAt).toISOString()).toBe(bodies[i]!.createdAt);
      }
      expect(bodies[0]!.data.user).toMatchObject({ username: memberName });
      expect(bodies[2]!.data.message).toMatchObject({
        id: sent.id,
        seq: sent.seq,
        body: 'hello hooks',
        author: { username: memberName },
        editedAt: null,
        deletedAt: null,
      });
      expect(bodies[3]!.data.message).toMatchObject({
        id: sent.id,
        body: 'hello, hooks',
        editedAt: expect.any(String),
      });
      expect(bodies[4]!.data.message).toMatchObject({ id: sent.id, body: '', deletedAt: expect.any(String) });

      // The SDK's helper says the same.
      expect(got.map((r) => verifyWebhook(secret, r.headers, r.body))).toEqual(bodies);
      // A tampered body or another secret does not verify.
      expect(() => verifier.verify(got[2]!.body.replace('hello', 'HELLO'), got[2]!.headers as never)).toThrow();
      expect(() => verifyWebhook(secret, got[2]!.headers, got[2]!.body.replace('hello', 'HELLO'))).toThrow();
      const other = (
        await owner.call(
          'mutation ($i: WebhookIdInput!) { rotateWebhookSecret(input: $i) { secret webhook { id } } }',
          { i: { webhookId: webhook.id } },
        )
      ).data!.rotateWebhookSecret;
      expect(other.secret).not.toBe(secret);
      expect(() => new Webhook(other.secret).verify(got[2]!.body, got[2]!.headers as never)).toThrow();

      // After the rotation, deliveries are signed with the new secret.
      await member.send(roomId, 'after the rotation');
      const next = await eventually(() => {
        const at = receiver.at('/all');
        expect(at).toHaveLength(6);
        return at[5]!;
      });
      expect(new Webhook(other.secret).verify(next.body, next.headers as never)).toMatchObject({
        type: 'message.created',
      });

      const listed = await deliveries(webhook.id);
      expect(listed.map((d: { seq: number }) => d.seq)).toEqual([6, 5, 4, 3, 2, 1]);
      for (const d of listed) {
        expect(d).toMatchObject({ status: 'DELIVERED', attempts: 1, lastStatusCode: 200, lastError: null });
        expect(d.deliveredAt).toEqual(expect.any(String));
        expect(d.nextAttemptAt).toBeNull();
      }
      expect(listed.map((d: { id: string }) => d.id)).toEqual(
        [...got, next].map((r) => r.headers['webhook-id']).reverse(),
      );
    });

    it('a reaction added and removed is two reaction.changed events, and a repeated one none', async () => {
      const roomId = await newRoom();
      const { secret } = await createWebhook(roomId, '/reactions', ['REACTION_CHANGED']);
      const sent = (await owner.send(roomId, 'react to me')).data!.sendMessage;
      const REACT = `mutation ($m: ID!, $e: String!) { addReaction(input: { messageId: $m, emoji: $e }) { id } }`;
      const UNREACT = `mutation ($m: ID!, $e: String!) { removeReaction(input: { messageId: $m, emoji: $e }) { id } }`;
      for (const [mutation, emoji] of [
        [REACT, '👍'],
        [REACT, '👍'],
        [UNREACT, '👍'],
        [UNREACT, '👍'],
        [REACT, ':tada:'],
      ] as const) {
        expect((await member.call(mutation, { m: sent.id, e: emoji })).errors).toBeUndefined();
      }
      const got = await eventually(() => {
        const at = receiver.at('/reactions');
        expect(at).toHaveLength(3);
        return at;
      });
      const bodies = got.map((r) => new Webhook(secret).verify(r.body, r.headers as never) as Record<string, any>);
      expect(bodies.map((b) => [b.type, b.data.emoji, b.data.added])).toEqual([
        ['reaction.changed', '👍', true],
        ['reaction.changed', '👍', false],
        ['reaction.changed', ':tada:', true],
      ]);
      for (const body of bodies) {
        expect(body.data.user).toMatchObject({ username: memberName });
        expect(body.data.message).toMatchObject({ id: sent.id, seq: sent.seq, body: 'react to me' });
      }
    });

    it('sends only the events a webhook is subscribed to', async () => {
      const roomId = await newRoom();
      await createWebhook(roomId, '/only-edits', ['MESSAGE_EDITED']);
      const sent = (await member.send(roomId, 'one')).data!.sendMessage;
      await member.edit(sent.id, 'two');
      await member.leaveRoom(roomId);
      // The edit is the only event; a later one shows that nothing else was queued before it.
      await member.joinRoom({ roomId });
      const again = (await member.send(roomId, 'three')).data!.sendMessage;
      await member.edit(again.id, 'four');
      const got = await eventually(() => {
        const at = receiver.at('/only-edits');
        expect(at).toHaveLength(2);
        return at.map(parsed);
      });
      expect(got.map((b) => [b.type, b.data.message.body])).toEqual([
        ['message.edited', 'two'],
        ['message.edited', 'four'],
      ]);
    });

    it('a room goes on sending new messages to its other webhooks when one of them is deleted', async () => {
      // Sends skip the outbox in a room known to have no webhook for new messages: the room's list
      // of subscribed events must keep what the webhooks left still want.
      const roomId = await newRoom();
      const first = await createWebhook(roomId, '/pair-a', ['MESSAGE_CREATED']);
      await createWebhook(roomId, '/pair-b', ['MESSAGE_CREATED', 'MESSAGE_EDITED']);
      await member.send(roomId, 'one');
      const del = 'mutation ($i: WebhookIdInput!) { deleteWebhook(input: $i) }';
      expect((await owner.data(del, { i: { webhookId: first.webhook.id } })).deleteWebhook).toBe(true);
      for (const body of ['two', 'three']) await member.send(roomId, body);
      await eventually(() =>
        expect(receiver.at('/pair-b').map((r) => parsed(r).data.message.body)).toEqual(['one', 'two', 'three']),
      );
    });

    it('retries a 500 with the same Webhook-Id, and keeps the order across the retry', async () => {
      const roomId = await newRoom();
      const { webhook } = await createWebhook(roomId, '/flaky', ['MESSAGE_CREATED']);
      for (const body of ['first', 'second', 'third']) await member.send(roomId, body);
      const got = await eventually(() => {
        const at = receiver.at('/flaky');
        expect(at).toHaveLength(4);
        return at;
      });
      expect(got.map((r) => r.answered)).toEqual([500, 200, 200, 200]);
      expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
      expect(got[0]!.body).toBe(got[1]!.body);
      expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(3);
      expect(got.map((r) => parsed(r).data.message.body)).toEqual(['first', 'first', 'second', 'third']);
      const listed = await eventually(async () => {
        const list = await deliveries(webhook.id);
        expect(list.every((d: { status: string }) => d.status === 'DELIVERED')).toBe(true);
        return list;
      });
      expect(listed.map((d: { attempts: number }) => d.attempts)).toEqual([1, 1, 2]);
    });

    it('fails a 4xx at once and goes on with the next delivery', async () => {
      const roomId = await newRoom();
      const { webhook } = await createWebhook(roomId, '/gone', ['MESSAGE_CREATED']);
      await member.send(roomId, 'refused');
      await member.send(roomId, 'taken');
      await eventually(() => expect(receiver.at('/gone').map((r) => r.answered)).toEqual([410, 200]));
      const [second, first] = await eventually(async () => {
        const list = await deliveries(webhook.id);
        expect(list[0]?.status).toBe('DELIVERED');
        return list;
      });
      expect(first).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        lastStatusCode: 410,
        lastError: 'HTTP 410: answered 410',
      });
      expect(second).toMatchObject({ status: 'DELIVERED', attempts: 1 });
      expect((await owner.data(WEBHOOKS, { r: roomId })).webhooks[0].active).toBe(true);
    });

    it('does not let a receiver that hangs delay another webhook', async () => {
      const roomId = await newRoom();
      await createWebhook(roomId, '/hang', ['MESSAGE_CREATED']);
      await createWebhook(roomId, '/quick', ['MESSAGE_CREATED']);
      await member.send(roomId, 'one');
      await eventually(() => expect(receiver.at('/hang')).toHaveLength(1));
      await member.send(roomId, 'two');
      await member.send(roomId, 'three');
      // Both reach the quick receiver while the hanging one still holds its first request.
      await eventually(() =>
        expect(receiver.at('/quick').map((r) => parsed(r).data.message.body)).toEqual(['one', 'two', 'three']),
      );
      expect(receiver.at('/hang').map((r) => [parsed(r).data.message.body, r.answered])).toEqual([['one', null]]);
    });

    it('turns a webhook inactive, saying why, once it has failed for the retry window', async () => {
      const roomId = await newRoom();
      const { webhook } = await createWebhook(roomId, '/down', ['MESSAGE_CREATED']);
      await member.send(roomId, 'into the void');
      await member.send(roomId, 'behind it');
      const [hook] = await eventually(async () => {
        const list = (await owner.data(WEBHOOKS, { r: roomId })).webhooks;
        expect(list[0].active).toBe(false);
        return list;
      }, 30_000);
      expect(hook.inactiveReason).toMatch(/^Deliveries failed for 4 s; the last: HTTP 503: answered 503$/);
      const [behind, first] = await deliveries(webhook.id);
      expect(first).toMatchObject({ status: 'FAILED', lastStatusCode: 503 });
      expect(first.attempts).toBeGreaterThan(1);
      expect(behind).toMatchObject({ status: 'FAILED', attempts: 0, lastError: 'the webhook turned inactive' });
      // Only the first was ever sent (the second waited behind it), and nothing more is queued.
      expect(new Set(receiver.at('/down').map((r) => parsed(r).data.message.body))).toEqual(new Set(['into the void']));
      await member.send(roomId, 'after');
      expect(await deliveries(webhook.id)).toHaveLength(2);
    });
  });

  describe('Mutation.createWebhook refusals', () => {
    let roomId: string;
    beforeAll(async () => {
      roomId = await newRoom();
    });
    const attempt = (as: ChatClient, input: Record<string, unknown>) =>
      as.call(CREATE, { i: { roomId, url: `${receiver.url}/x`, events: ['MESSAGE_CREATED'], ...input } });

    it.each([
      ['a non-URL', { url: 'not a url' }, 'url', /url is not a URL/],
      ['another scheme', { url: 'ftp://127.0.0.1/hook' }, 'url', /https or http URL/],
      ['a javascript: URL', { url: 'javascript:alert(1)' }, 'url', /https or http URL/],
      ['credentials in the URL', { url: 'http://user:pass@127.0.0.1/hook' }, 'url', /user name or password/],
      ['a user name alone', { url: 'http://user@127.0.0.1/hook' }, 'url', /user name or password/],
      ['an over-long URL', { url: `http://127.0.0.1/${'a'.repeat(2_000)}` }, 'url', /at most 2000/],
      ['a host that does not resolve', { url: 'https://nowhere.invalid/hook' }, 'url', /does not resolve/],
      ['no events', { events: [] }, 'events', /at least one/],
    ])('%s: BAD_USER_INPUT on its field, nothing stored', async (_name, input, field, message) => {
      const result = await attempt(owner, input);
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
      expect(result.errors![0]!.message).toMatch(message);
      expect((await owner.data(WEBHOOKS, { r: roomId })).webhooks).toEqual([]);
    });

    it('an unknown event: BAD_USER_INPUT naming it, nothing stored', async () => {
      const result = await attempt(owner, { events: ['MESSAGE_CREATED', 'ROOM_EXPLODED'] });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
      expect(result.errors![0]!.message).toMatch(/events.*ROOM_EXPLODED|ROOM_EXPLODED.*WebhookEvent/);
      expect((await owner.data(WEBHOOKS, { r: roomId })).webhooks).toEqual([]);
    });

    it('a member who is not the owner, an outsider and a guest are refused, nothing stored', async () => {
      const outsider = chatClient(server.url, (await registerUser(server.url)).accessToken);
      for (const [as, code] of [
        [member, 'FORBIDDEN'],
        [outsider, 'FORBIDDEN'],
        [chatClient(server.url), 'UNAUTHENTICATED'],
      ] as const) {
        const result = await attempt(as, {});
        expect(result.errors?.[0]?.extensions?.code).toBe(code);
        expect((await as.call(WEBHOOKS, { r: roomId })).errors?.[0]?.extensions?.code).toBe(code);
      }
      expect((await owner.data(WEBHOOKS, { r: roomId })).webhooks).toEqual([]);
    });

    it('a room id that is not one: BAD_USER_INPUT on roomId', async () => {
      const result = await attempt(owner, { roomId: 'nope' });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'roomId' } });
    });

    it('more than 10 webhooks in a room: BAD_USER_INPUT on roomId, the 11th not stored', async () => {
      const room = await newRoom();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          owner.call(CREATE, { i: { roomId: room, url: `${receiver.url}/many/${i}`, events: ['MEMBER_JOINED'] } }),
        ),
      );
      const refused = results.filter((r) => r.errors);
      expect(results.filter((r) => !r.errors)).toHaveLength(10);
      expect(refused).toHaveLength(2);
      for (const r of refused) {
        expect(r.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'roomId' } });
        expect(r.errors![0]!.message).toMatch(/most a room may have \(10\)/);
      }
      expect((await owner.data(WEBHOOKS, { r: room })).webhooks).toHaveLength(10);
    });

    it('deleteWebhook and rotateWebhookSecret: the owner only; a deleted webhook is not sent to', async () => {
      const room = await newRoom();
      const { webhook } = await createWebhook(room, '/deleted', ['MESSAGE_CREATED']);
      const del = 'mutation ($i: WebhookIdInput!) { deleteWebhook(input: $i) }';
      const rotate = 'mutation ($i: WebhookIdInput!) { rotateWebhookSecret(input: $i) { secret } }';
      for (const op of [del, rotate, DELIVERIES]) {
        const variables = op === DELIVERIES ? { w: webhook.id } : { i: { webhookId: webhook.id } };
        expect((await member.call(op, variables)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect((await owner.call(del, { i: { webhookId: 'nope' } })).errors?.[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'webhookId' },
      });
      expect((await owner.data(del, { i: { webhookId: webhook.id } })).deleteWebhook).toBe(true);
      expect((await owner.call(del, { i: { webhookId: webhook.id } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      await member.send(room, 'nobody listens');
      // A webhook created after it hears the next message, and the deleted one never heard a thing.
      await createWebhook(room, '/deleted-after', ['MESSAGE_CREATED']);
      await member.send(room, 'somebody listens');
      await eventually(() => expect(receiver.at('/deleted-after')).toHaveLength(1));
      expect(receiver.at('/deleted')).toHaveLength(0);
    });
  });
});

describe('URLs of private and loopback addresses, and plain http', () => {
  let owner: ChatClient;
  let roomId: string;
  beforeAll(async () => {
    const server = await startServer(await freshDatabaseEnv(cleanups, 'embedded'));
    cleanups.push(server.stop);
    owner = chatClient(server.url, (await registerUser(server.url)).accessToken);
    roomId = (await owner.createRoom(uniqueName('safe'))).data!.createRoom.id;
  });

  it.each([
    ['http://example.com/hook', /must be an https URL/],
    ['https://127.0.0.1/hook', /loopback/],
    ['https://localhost:8443/hook', /loopback/],
    ['https://[::1]/hook', /loopback/],
    ['https://[::ffff:127.0.0.1]/hook', /loopback/],
    ['https://10.1.2.3/hook', /private/],
    ['https://192.168.0.10/hook', /private/],
    ['https://169.254.169.254/latest/meta-data', /linkLocal/],
    ['https://100.100.100.200/latest/meta-data', /carrierGradeNat/],
    ['https://[fd00:ec2::254]/latest', /uniqueLocal/],
    ['https://224.0.0.1/hook', /multicast/],
    ['https://0.0.0.0/hook', /unspecified/],
  ])('%s: BAD_USER_INPUT on url, nothing stored', async (url, reason) => {
    const result = await owner.call(CREATE, { i: { roomId, url, events: ['MESSAGE_CREATED'] } });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'url' } });
    expect(result.errors![0]!.message).toMatch(reason);
    expect((await owner.data(WEBHOOKS, { r: roomId })).webhooks).toEqual([]);
  });
});

describe.runIf(hasPostgres && hasRedis)('webhooks across replicas', () => {
  it('a replica SIGKILLed mid-delivery: the other delivers everything, in order, none acknowledged twice', async () => {
    const { DATABASE_URL } = await freshDatabaseEnv(cleanups, 'postgres');
    const env = { DATABASE_URL: DATABASE_URL!, REDIS_URL: redisUrl, ...WEBHOOK_TEST_ENV };
    const { processes, urls } = await spawnReplicas(2, env, cleanups);
    let killed: number | undefined;
    const receiver = await startReceiver(async (request, earlier) => {
      if (earlier > 0) return 200;
      // The first POST: the replica that sent it dies before it hears the answer.
      const [row] = await query<{ claimed_by: string }>(
        env.DATABASE_URL,
        'SELECT claimed_by FROM webhook_deliveries WHERE id = $1',
        [rawId(String(request.headers['webhook-id']))],
      );
      const sender = processes.find((p) => row?.claimed_by.endsWith(`:${p.child.pid}`))!;
      killed = processes.indexOf(sender);
      sender.kill('SIGKILL');
      await sender.exited;
      return 500;
    });
    cleanups.push(receiver.close);
    const owner = await registerUser(urls[0]!);
    const client = chatClient(urls[0]!, owner.accessToken);
    const roomId = (await client.createRoom(uniqueName('kill'))).data!.createRoom.id;
    const created = await client.call(CREATE, {
      i: { roomId, url: `${receiver.url}/kill`, events: ['MESSAGE_CREATED'] },
    });
    expect(created.errors).toBeUndefined();
    const bodies = Array.from({ length: 20 }, (_, i) => `message ${i + 1}`);
    // Sent through both replicas, alternately, until one of them dies; a send cut off by the kill
    // is sent again through the other with the same clientMessageId, as clients do.
    const sendVia = (url: string, body: string) =>
      chatClient(url, owner.accessToken).send(roomId, body, `kill-${body.replace(' ', '-')}`);
    for (const [i, body] of bodies.entries()) {
      const via = killed === undefined ? urls[i % 2]! : urls[1 - killed]!;
      const sent = await sendVia(via, body).catch(async () => {
        await eventually(() => expect(killed).toBeDefined());
        return sendVia(urls[1 - killed!]!, body);
      });
      expect(sent.errors).toBeUndefined();
    }
    const acknowledged = await eventually(() => {
      const ok = receiver.at('/kill').filter((r) => r.answered === 200);
      expect(ok).toHaveLength(20);
      return ok;
    }, 40_000);
    expect(killed).toBeDefined();
    expect(acknowledged.map((r) => parsed(r).data.message.body)).toEqual(bodies);
    expect(new Set(acknowledged.map((r) => r.headers['webhook-id'])).size).toBe(20);
    // The first was sent twice with the same Webhook-Id: to the replica that died, then by the other.
    const all = receiver.at('/kill');
    expect(all[0]!.headers['webhook-id']).toBe(acknowledged[0]!.headers['webhook-id']);
    expect(all[0]!.answered).not.toBe(200);
    const rows = await query<{ status: string; n: number }>(
      env.DATABASE_URL,
      'SELECT status::text, count(*)::int AS n FROM webhook_deliveries GROUP BY status',
    );
    expect(rows).toEqual([{ status: 'DELIVERED', n: 20 }]);
  });

  it('an idle replica runs no statement between looks; a delivery queued while it did not listen is sent', async () => {
    const env = await freshDatabaseEnv(cleanups, 'postgres');
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    // The default looks: when told of a queued delivery, and at the latest every 30 s.
    const { WEBHOOK_POLL_INTERVAL: _, ...defaults } = WEBHOOK_TEST_ENV;
    const server = await startServer({ ...env, ...defaults });
    cleanups.push(server.stop);
    const owner = await registerUser(server.url);
    const client = chatClient(server.url, owner.accessToken);
    const roomId = (await client.createRoom(uniqueName('idle'))).data!.createRoom.id;
    await client.data(CREATE, { i: { roomId, url: `${receiver.url}/idle`, events: ['MESSAGE_CREATED'] } });
    await client.send(roomId, 'first');
    await eventually(() => expect(receiver.at('/idle')).toHaveLength(1));
    // Settled: no statement from the server's connections for 3 s (it looked every second before).
    const since = async () =>
      query<{ count: number }>(
        env.DATABASE_URL!,
        `SELECT count(*)::int AS count FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query_start > now() - interval '3 s'`,
      );
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await since())[0]!.count).toBe(0);
    // The listening connection lost: a delivery queued meanwhile is looked for once it is back.
    await query(
      env.DATABASE_URL!,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [LISTENER_APPLICATION_NAME],
    );
    await client.send(roomId, 'second');
    await eventually(
      () => expect(receiver.at('/idle').map((r) => parsed(r).data.message.body)).toEqual(['first', 'second']),
      10_000,
    );
  });

  it('checks the address again on delivery: a URL accepted before is refused once private ones are not', async () => {
    const env = await freshDatabaseEnv(cleanups, 'postgres');
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const lenient = await startServer({ ...env, ...WEBHOOK_TEST_ENV });
    const owner = await registerUser(lenient.url);
    const client = chatClient(lenient.url, owner.accessToken);
    const roomId = (await client.createRoom(uniqueName('rebind'))).data!.createRoom.id;
    const created = await client.data(CREATE, {
      i: { roomId, url: `${receiver.url}/rebind`, events: ['MESSAGE_CREATED'] },
    });
    await lenient.stop();
    // The same database, served by a replica that allows http but no private addresses.
    const strict = await startServer({ ...env, ...WEBHOOK_TEST_ENV, WEBHOOK_ALLOW_PRIVATE: 'false' });
    cleanups.push(strict.stop);
    const as = chatClient(strict.url, owner.accessToken);
    await as.send(roomId, 'to a loopback address');
    const [delivery] = await eventually(async () => {
      const list = (await as.data(DELIVERIES, { w: created.createWebhook.webhook.id })).webhookDeliveries.edges;
      // Recorded, not just claimed (a claim counts the attempt before it is made).
      expect(list[0]?.node.lastError).toEqual(expect.any(String));
      return list.map((e: { node: unknown }) => e.node);
    });
    expect(delivery).toMatchObject({ status: 'PENDING', lastStatusCode: null });
    expect(delivery.lastError).toMatch(/resolves to a loopback address, which is not allowed/);
    expect(receiver.received).toHaveLength(0);
  });
});
