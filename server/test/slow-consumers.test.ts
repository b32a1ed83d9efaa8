// A live client that stops reading: its connection is closed once too much waits to be sent to it
// (MAX_UNSENT_BYTES_PER_CONNECTION), on every live transport, and the other subscribers of the same
// room go on receiving everything.
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { chatClient, type ChatClient } from './support/chat.js';
import { freshDatabaseEnv } from './support/databases.js';
import { connect, eventually, subscribe } from './support/live.js';
import { startServer, type TestServer } from './support/server.js';
import { registerUser } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const MESSAGE_CREATED =
  'subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { ... on MessageCreated { message { seq body } } } }';
/** Subscriptions the stalled client holds on its one connection: each message comes to it this many times. */
const SUBSCRIPTIONS = 50;
const BIG_BODY = 'x'.repeat(3900);

async function setUp() {
  const server = await startServer({
    ...(await freshDatabaseEnv(cleanups)),
    MAX_UNSENT_BYTES_PER_CONNECTION: String(256 * 1024),
  });
  cleanups.push(server.stop);
  const user = await registerUser(server.url);
  const chat = chatClient(server.url, user.accessToken);
  const roomId = (await chat.createRoom(`slow_${Date.now()}`)).data!.createRoom.id as string;
  return { server, user, chat, roomId };
}

const closedFor = async (server: TestServer, transport: 'ws' | 'sse') =>
  (await server.app.services.metrics.slowConsumersClosed.get()).values.find((v) => v.labels.transport === transport)
    ?.value ?? 0;

/**
 * Sends big messages, a few at a time, until the server has closed a slow connection of
 * `transport` (at most `max` messages); returns how many were sent.
 */
async function sendUntilClosed(server: TestServer, chat: ChatClient, roomId: string, transport: 'ws' | 'sse') {
  const max = 3000;
  let sent = 0;
  while (sent < max && (await closedFor(server, transport)) === 0) {
    const batch = Array.from({ length: 10 }, () => chat.send(roomId, `${BIG_BODY} ${sent++}`));
    for (const result of await Promise.all(batch)) expect(result.errors).toBeUndefined();
  }
  expect(await closedFor(server, transport), `still open after ${sent} messages`).toBe(1);
  return sent;
}

describe('a live client that stops reading', () => {
  it('over WebSocket is closed with 1013 once too much waits for it, and the others get every message', async () => {
    const { server, user, chat, roomId } = await setUp();
    // A healthy subscriber of the same room, beside the stalled one.
    const healthy = connect(server.wsUrl, user.accessToken);
    cleanups.push(() => healthy.dispose());
    const heard = subscribe(healthy, MESSAGE_CREATED, { roomId });

    const stalled = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    cleanups.push(async () => stalled.terminate());
    const frames: { type: string; id?: string }[] = [];
    stalled.on('message', (data) => frames.push(JSON.parse(String(data))));
    const closed = new Promise<number>((resolve) => stalled.on('close', (code) => resolve(code)));
    await new Promise((resolve) => stalled.once('open', resolve));
    stalled.send(JSON.stringify({ type: 'connection_init', payload: { authToken: user.accessToken } }));
    await eventually(() => frames.some((f) => f.type === 'connection_ack'));
    for (let id = 1; id <= SUBSCRIPTIONS; id++) {
      stalled.send(
        JSON.stringify({
          id: String(id),
          type: 'subscribe',
          payload: { query: MESSAGE_CREATED, variables: { roomId } },
        }),
      );
    }
    // Every subscription is live once a message comes to each of them (and to the healthy one).
    await eventually(async () => {
      const live = new Set(frames.filter((f) => f.type === 'next').map((f) => f.id)).size;
      if (live < SUBSCRIPTIONS || heard.events().length === 0) await chat.send(roomId, 'ready?');
      return live === SUBSCRIPTIONS && heard.events().length > 0;
    });
    const before = heard.events().length;

    // The client stops reading: the kernel's buffers fill, then what the server holds for it.
    const tcp = (stalled as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const sent = await sendUntilClosed(server, chat, roomId, 'ws');

    // The close frame waits behind what was already queued: reading again, the client gets it.
    tcp.resume();
    expect(await closed).toBe(1013);
    await heard.waitFor((events) => events.length >= before + sent);
    expect(heard.events()).toHaveLength(before + sent);
  }, 120_000);

  it('over server-sent events has its stream cut once too much waits for it, and the others get every message', async () => {
    const { server, user, chat, roomId } = await setUp();
    const healthy = connect(server.wsUrl, user.accessToken);
    cleanups.push(() => healthy.dispose());
    const heard = subscribe(healthy, MESSAGE_CREATED, { roomId });
    const auth = { authorization: `Bearer ${user.accessToken}` };

    // graphql-sse's single-connection mode: reserve a stream, open it, then run the operations on it.
    const token = await (await fetch(server.graphqlUrl, { method: 'PUT', headers: auth })).text();
    const stream = await openStream(`${server.graphqlUrl}?token=${token}`, auth);
    cleanups.push(async () => void stream.destroy());
    let received = '';
    stream.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    for (let id = 1; id <= SUBSCRIPTIONS; id++) {
      const accepted = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
        body: JSON.stringify({
          query: MESSAGE_CREATED,
          variables: { roomId },
          extensions: { operationId: String(id) },
        }),
      });
      expect(accepted.status).toBe(202);
    }
    await eventually(async () => {
      const live = new Set([...received.matchAll(/"id":"(\d+)"/g)].map((m) => m[1])).size;
      if (live < SUBSCRIPTIONS || heard.events().length === 0) await chat.send(roomId, 'ready?');
      return live === SUBSCRIPTIONS && heard.events().length > 0;
    });
    const before = heard.events().length;

    stream.pause();
    const sent = await sendUntilClosed(server, chat, roomId, 'sse');
    stream.resume();
    await ended;
    await heard.waitFor((events) => events.length >= before + sent);
    expect(heard.events()).toHaveLength(before + sent);
  }, 120_000);
});

/**
 * An event stream, by node:http rather than fetch: the test must be able to stop reading it (pause)
 * and start again.
 */
function openStream(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, accept: 'text/event-stream' } }, resolve);
    req.on('error', reject);
    req.end();
  });
}
