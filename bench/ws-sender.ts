// The benchmarks' sender over graphql-ws: what the SDK and the web app do when they send on their
// open socket (bench/live/run.ts --send-over ws, bench/send-cpu.ts --over ws); and one user sending
// to a room of their own, or reacting or marking read there, over HTTP or that socket
// (bench/send-cpu.ts, bench/send-ab.ts).
import WebSocket from 'ws';
import { chatClient } from '../server/test/support/chat.js';
import { registerUser } from '../server/test/support/users.js';
import { post } from './http.js';

export const SEND_MESSAGE = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { seq } }';
/** What the web app asks when it marks a room read. */
export const MARK_READ = 'mutation ($i: MarkReadInput!) { markRead(input: $i) { id viewerLastReadSeq unreadCount } }';
/** What the web app asks when it adds or removes a reaction. */
const REACT = (add: boolean) =>
  `mutation ($i: ReactionInput!) { ${add ? 'addReaction' : 'removeReaction'}(input: $i) { id reactions { emoji count viewerReacted } } }`;

/** What the web app asks when it edits a message. */
const EDIT = 'mutation ($i: EditMessageInput!) { editMessage(input: $i) { id body editedAt } }';

/**
 * What a sender does each time: send a message; add (even turns) and remove (odd) a reaction to
 * one; edit one (a new body each time); or, as a second member, mark the room read one message
 * further (its messages sent first).
 */
export type SenderOperation = 'send' | 'react' | 'edit' | 'read';

/** How a sender sends: over HTTP, or on its open graphql-ws socket. */
export type SendOver = 'http' | 'ws';

/** The value of an `--over` flag, checked. */
export function sendOver(value: string): SendOver {
  if (value !== 'http' && value !== 'ws') throw new Error('--over is http or ws');
  return value;
}

/**
 * What the web app's live stream selects of the events a sender causes (client/web/src/live.ts and
 * its MessageData fragment), as one room's stream: what a watcher of `RoomSender.watch` hears.
 */
const WATCHED = `subscription ($r: ID!) { roomEvents(roomId: $r) { __typename
  ... on MessageCreated { message { id seq body clientMessageId createdAt editedAt deletedAt
    author { id username displayName avatarUrl } room { id name lastSeq memberCount } threadRootId replyCount
    lastReplyAt pinnedAt reactions { emoji count viewerReacted } mentions { id username }
    attachments { id filename contentType size url width height thumbnailUrl createdAt } } }
  ... on MessageEdited { message { id body editedAt } }
  ... on ReactionChanged { message { id reactions { emoji count viewerReacted } } }
  ... on ReadReceipt { room { id } user { id username displayName } lastReadSeq }
  ... on MemberJoined { room { id name kind topic memberCount sharesReadReceipts lastSeq lastActivityAt
    unreadCount viewerLastReadSeq viewerIsMember } user { id } } } }`;

export interface RoomSender {
  send(n: number): Promise<void>;
  /**
   * Makes `sockets` more members of the room, each with a socket watching it as the web app does
   * (a document with a viewer's fields of the room, as the web app's is).
   */
  watch(sockets: number): Promise<void>;
  close(): void;
}

/**
 * A new user and a room of theirs on the server at `url`; `send` posts one message to it (or
 * reacts, or marks it read: for `read`, `turns` messages are sent first, one per turn).
 */
export async function roomSender(
  url: string,
  over: SendOver,
  operation: SenderOperation = 'send',
  turns = 0,
): Promise<RoomSender> {
  const tag = Math.random().toString(36).slice(2, 8);
  const owner = await registerUser(url, `cpu_${tag}`);
  const client = chatClient(url, owner.accessToken);
  const created = await client.createRoom(`cpu-${tag}`);
  const roomId = (created.data as { createRoom: { id: string } }).createRoom.id;
  const target =
    operation === 'react' || operation === 'edit'
      ? ((await client.send(roomId, 'reacted to or edited')).data as { sendMessage: { id: string } })
      : null;
  // The reader: a second member, whose read position moves one message a turn.
  const reader = operation === 'read' ? await registerUser(url, `reader_${tag}`) : null;
  if (reader) {
    await chatClient(url, reader.accessToken).joinRoom({ roomId });
    for (let sent = 0; sent < turns; sent += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, turns - sent) }, (_, i) => client.send(roomId, `${sent + i}`)),
      );
    }
  }
  const actor = reader ?? owner;
  let turn = 0;
  /** The operation of turn `n`: its document, variables, and what its answer must hold. */
  const turnOf = (n: number): [string, Record<string, unknown>, string] => {
    switch (operation) {
      case 'send':
        return [SEND_MESSAGE, { i: { roomId, body: `message ${n}` } }, '"seq"'];
      case 'react':
        return [REACT(n % 2 === 0), { i: { messageId: target!.sendMessage.id, emoji: '👍' } }, '"reactions"'];
      case 'edit':
        return [EDIT, { i: { messageId: target!.sendMessage.id, body: `edit ${turn}` } }, `"edit ${turn}"`];
      case 'read':
        return [MARK_READ, { i: { roomId, seq: turn } }, `"viewerLastReadSeq":${Math.min(turn, turns)}`];
    }
  };
  const socket = over === 'ws' ? await SocketSender.open(url, actor.accessToken) : undefined;
  const watchers: SocketSender[] = [];
  return {
    async watch(sockets: number): Promise<void> {
      for (let i = 0; i < sockets; i++) {
        const member = await registerUser(url, `watch_${tag}_${i}`);
        await chatClient(url, member.accessToken).joinRoom({ roomId });
        const watcher = await SocketSender.open(url, member.accessToken);
        watchers.push(watcher);
        await watcher.watch(WATCHED, { r: roomId });
      }
    },
    async send(n: number): Promise<void> {
      turn++;
      const [query, variables, expected] = turnOf(n);
      if (socket) {
        await socket.run(query, variables);
        return;
      }
      const answer = await post(url, '/graphql', JSON.stringify({ query, variables }), {
        authorization: `Bearer ${actor.accessToken}`,
      });
      if (!answer.body.includes(expected)) throw new Error(`${operation} failed: ${answer.body.slice(0, 200)}`);
    },
    close() {
      socket?.close();
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** A sender's graphql-ws connection (graphql-transport-ws spoken over `ws`): operations on one open socket. */
export class SocketSender {
  private nextId = 0;
  private readonly waiting = new Map<string, { resolve(data: unknown): void; reject(error: Error): void }>();
  /** Subscriptions of `watch` not yet said to listen. */
  private readonly starting = new Map<string, () => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as { id?: string; type: string; payload?: any };
      if (frame.type === 'ping') {
        for (const id of frame.payload?.listening ?? []) this.starting.get(id)?.();
        return ws.send('{"type":"pong"}');
      }
      const waiting = frame.id === undefined ? undefined : this.waiting.get(frame.id);
      if (!waiting) return;
      this.waiting.delete(frame.id!);
      if (frame.type === 'next' && !frame.payload?.errors) waiting.resolve(frame.payload.data);
      else waiting.reject(new Error(`${frame.type}: ${JSON.stringify(frame.payload).slice(0, 200)}`));
    });
    ws.on('close', () => {
      for (const { reject } of this.waiting.values()) reject(new Error('sender socket closed'));
      this.waiting.clear();
    });
  }

  static open(url: string, token: string): Promise<SocketSender> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: token } })));
      ws.once('message', (raw: Buffer) => {
        const { type } = JSON.parse(raw.toString()) as { type: string };
        if (type === 'connection_ack') resolve(new SocketSender(ws));
        else reject(new Error(`sender socket: ${type}`));
      });
      ws.once('error', reject);
    });
  }

  /** Runs one operation; resolves with its data, rejects with its errors. */
  run(query: string, variables: Record<string, unknown>): Promise<unknown> {
    const id = String(++this.nextId);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    });
  }

  /** Subscribes; resolves once the server says the stream listens. What it hears is dropped. */
  watch(query: string, variables: Record<string, unknown>): Promise<void> {
    const id = `watch-${++this.nextId}`;
    return new Promise((resolve) => {
      this.starting.set(id, () => {
        this.starting.delete(id);
        resolve();
      });
      this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    });
  }

  close(): void {
    this.ws.close(1000);
  }
}
