import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomChannel } from '../src/realtime/channels.js';
import { chatClient, type ChatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { connect, connectSse, eventually, subscribe } from './support/live.js';
import { throughProxy, type Proxy } from './support/proxy.js';
import { rawId, startServer, type TestServer } from './support/server.js';
import { registerUser, type Session } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const MESSAGE_ADDED = `subscription ($roomId: ID!) { messageAdded(roomId: $roomId) { id seq body } }`;
const MY_EVENTS = `subscription { myEvents { __typename ... on MessageCreated { message { seq } } } }`;
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }`;

/**
 * A graphql-ws client that records what each `listening` ping said and, at that moment, how many
 * of this server's subscribers Redis counts on `channel` (the proof that the subscription was
 * listening when the client was told so).
 */
function listeningClient(wsUrl: string, token: string, redis: Redis, channel: string) {
  const heard: { ids: string[]; subscribers: Promise<number> }[] = [];
  const socket = connect(wsUrl, token, {
    listening: (ids) => {
      const subscribers = redis.pubsub('NUMSUB', channel).then((reply) => Number((reply as [string, number])[1]));
      heard.push({ ids, subscribers });
    },
  });
  cleanups.push(() => socket.dispose());
  return { ...socket, heard };
}

describe.runIf(hasPostgres && hasRedis)('subscriptions say when they listen', () => {
  let server: TestServer;
  let proxy: Proxy;
  let redis: Redis;
  let owner: Session;
  let c: ChatClient;
  let roomId: string;
  let channel: string;

  beforeAll(async () => {
    let url: string;
    ({ proxy, url } = await throughProxy(redisUrl!, cleanups));
    server = await startServer({
      ...(await freshDatabaseEnv(cleanups, 'postgres')),
      REDIS_URL: url,
    });
    cleanups.push(server.stop);
    redis = new Redis(redisUrl!);
    cleanups.push(async () => void redis.disconnect());
    owner = await registerUser(server.url);
    c = chatClient(server.url, owner.accessToken);
    roomId = (await c.createRoom(`listening-${owner.user.username}`)).data!.createRoom.id;
    channel = roomChannel(rawId(roomId));
  });

  it('a subscription over WebSocket is told it listens once Redis has it, and hears what comes next', async () => {
    const socket = listeningClient(server.wsUrl, owner.accessToken, redis, channel);
    const sub = subscribe(socket, MESSAGE_ADDED, { roomId });
    await eventually(() => socket.heard.length > 0, 10_000, 'the listening ping');
    expect(socket.heard[0]!.ids).toHaveLength(1);
    expect(await socket.heard[0]!.subscribers).toBeGreaterThanOrEqual(1);
    // Sent on the same socket: a mutation is not a subscription, and nothing is said of it.
    const sent = subscribe(socket, SEND, { input: { roomId, body: 'right after' } });
    const [{ sendMessage }] = await sent.waitFor((results) => results.length === 1);
    await sub.waitFor((events) => events.some((e) => e.messageAdded.id === sendMessage.id));
    expect(socket.heard).toHaveLength(1);
    sub.stop();
    await socket.dispose();
  });

  it('after the pub/sub was lost and is back, every subscription is told it listens again; heard and fetched miss nothing', async () => {
    const socket = listeningClient(server.wsUrl, owner.accessToken, redis, channel);
    const messages = subscribe(socket, MESSAGE_ADDED, { roomId });
    const mine = subscribe(socket, MY_EVENTS);
    // An event stream cannot be told: it is ended instead, and its client reconnects.
    const sse = connectSse(server.graphqlUrl, owner.accessToken);
    cleanups.push(async () => void (await sse.dispose()));
    const streamed = subscribe(sse, MESSAGE_ADDED, { roomId });
    await eventually(() => socket.heard.length === 2, 10_000, 'both subscriptions to listen');
    const before = (await c.send(roomId, 'before the outage')).data!.sendMessage.seq as number;
    await messages.waitFor((events) => events.some((e) => e.messageAdded.seq === before));
    await streamed.waitFor((events) => events.some((e) => e.messageAdded.seq === before));

    proxy.down();
    // Stored while Redis is away from the server: their events are published late or never.
    const during = [];
    for (const body of ['during 1', 'during 2']) during.push((await c.send(roomId, body)).data!.sendMessage.seq);
    proxy.up();

    await eventually(() => socket.heard.length >= 3, 15_000, 'the subscriptions to be said to listen again');
    // Both subscriptions, by the ids their own pings named.
    const ids = [...socket.heard[0]!.ids, ...socket.heard[1]!.ids];
    const again = socket.heard.at(-1)!;
    expect([...again.ids].sort()).toEqual(ids.sort());
    expect(await again.subscribers).toBeGreaterThanOrEqual(1);
    await streamed.ended;

    // The client fetches what it may have missed; the same subscriptions hear what comes next.
    const fetched = ((await c.since(roomId, before)).data!.messagesSince as { seq: number }[]).map((m) => m.seq);
    const after = (await c.send(roomId, 'after the outage')).data!.sendMessage.seq as number;
    await messages.waitFor((events) => events.some((e) => e.messageAdded.seq === after));
    await mine.waitFor((events) => events.some((e) => e.myEvents.message?.seq === after));
    const heard = messages.events().map((e) => e.messageAdded.seq as number);
    const all = [...new Set([...heard, ...fetched])].sort((a, b) => a - b);
    expect(all).toEqual([before, ...during, after]);
  }, 40_000);
});
