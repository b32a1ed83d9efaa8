// A worker process of bench/live/run.ts: holds subscriber sockets for one target and records every
// delivery (subscriber, seq, receipt time, latency from the send time carried in the body).
// Started with child_process.fork (IPC, advanced serialization); never run by hand.
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import {
  Column,
  nowMs,
  sleep,
  type SubscriberSpec,
  type Target,
  type WorkerCommand,
  type WorkerReply,
} from './common.js';

/**
 * The subscription each of our subscribers holds: the selection the issue names (plain); with
 * BENCH_LIVE_SELECTION=reactions (run.ts --selection reactions) also the message's reactions with
 * viewerReacted; with BENCH_LIVE_SELECTION=client, what the web app selects for a new message (its
 * MessageData fragment in client/web/src/messages.ts: author avatar, attachments with their signed
 * URLs, reply count, reactions with viewerReacted, mentions).
 */
const SELECTIONS: Record<string, string> = {
  plain: 'id seq body createdAt author { id username }',
  reactions: 'id seq body createdAt author { id username } reactions { emoji count viewerReacted }',
  client: `__typename id seq body clientMessageId createdAt editedAt deletedAt
    author { __typename id username displayName avatarUrl } room { __typename id }
    threadRootId replyCount lastReplyAt pinnedAt
    reactions { __typename emoji count viewerReacted } mentions { __typename id username }
    attachments { __typename id filename contentType size url width height thumbnailUrl }`,
};
export const MESSAGE_ADDED = `subscription ($roomId: ID!) { messageAdded(roomId: $roomId) { ${SELECTIONS[process.env.BENCH_LIVE_SELECTION ?? 'plain'] ?? SELECTIONS.plain} } }`;

/** At most this many deliveries are kept per step (about 240 MB); the rest are counted as overflow. */
const MAX_DELIVERIES = 8_000_000;

const subscriber = new Column(new Uint32Array(1 << 18), (n) => new Uint32Array(n));
const seqs = new Column(new Uint32Array(1 << 18), (n) => new Uint32Array(n));
const receivedAt = new Column(new Float64Array(1 << 18), (n) => new Float64Array(n));
const latency = new Column(new Float64Array(1 << 18), (n) => new Float64Array(n));
const sinceStored = new Column(new Float64Array(1 << 18), (n) => new Float64Array(n));
let overflow = 0;
let gotAny = new Set<number>();
let problems = 0;
const problemSamples: string[] = [];
let closing = false;
const closers: (() => void)[] = [];

function problem(what: string) {
  problems++;
  if (problemSamples.length < 20) problemSamples.push(what);
}

function record(index: number, seq: number, at: number, sentAt: number, storedAt: number) {
  gotAny.add(index);
  if (subscriber.length >= MAX_DELIVERIES) {
    overflow++;
    return;
  }
  subscriber.push(index);
  seqs.push(seq);
  receivedAt.push(at);
  latency.push(at - sentAt);
  sinceStored.push(at - storedAt);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error as Error)),
    );
  });
}

/** Ours: graphql-transport-ws spoken directly over `ws` (no client library work per frame). */
function openOurs(spec: SubscriberSpec): Promise<void> {
  const ws = new WebSocket(`${spec.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
    perMessageDeflate: false,
  });
  closers.push(() => ws.close(1000));
  return new Promise<void>((resolve, reject) => {
    let acked = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: spec.token } })));
    ws.on('message', (data: Buffer) => {
      const at = nowMs();
      let frame: any;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        problem('unparsable frame');
        return;
      }
      switch (frame.type) {
        case 'next': {
          const message = frame.payload?.data?.messageAdded;
          if (!message) {
            problem(`subscription result without data: ${JSON.stringify(frame.payload).slice(0, 200)}`);
            return;
          }
          record(spec.index, message.seq, at, Number(message.body), Date.parse(message.createdAt));
          return;
        }
        case 'connection_ack':
          acked = true;
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: MESSAGE_ADDED, variables: { roomId: spec.roomKey } },
            }),
          );
          resolve();
          return;
        case 'ping':
          ws.send('{"type":"pong"}');
          return;
        case 'pong':
          return;
        default:
          problem(`${frame.type}: ${JSON.stringify(frame.payload ?? null).slice(0, 200)}`);
      }
    });
    ws.on('error', (error) => (acked ? problem(`socket error: ${error.message}`) : reject(error)));
    ws.on('close', (code, reason) => {
      if (!acked) reject(new Error(`closed before ack: ${code} ${reason.toString()}`));
      else if (!closing) problem(`closed by server: ${code} ${reason.toString()}`);
    });
  });
}

/** The raw ws + ioredis peer: {"join": room} → {"joined": room}; then {room, seq, body} frames. */
function openRaw(spec: SubscriberSpec): Promise<void> {
  const ws = new WebSocket(`${spec.url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
  closers.push(() => ws.close(1000));
  return new Promise<void>((resolve, reject) => {
    let joined = false;
    ws.on('open', () => ws.send(JSON.stringify({ join: spec.roomKey })));
    ws.on('message', (data: Buffer) => {
      const at = nowMs();
      let frame: any;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        problem('unparsable frame');
        return;
      }
      if (frame.joined !== undefined) {
        joined = true;
        resolve();
        return;
      }
      record(spec.index, frame.seq, at, Number(frame.body), NaN);
    });
    ws.on('error', (error) => (joined ? problem(`socket error: ${error.message}`) : reject(error)));
    ws.on('close', (code) => {
      if (!joined) reject(new Error(`closed before join: ${code}`));
      else if (!closing) problem(`closed by server: ${code}`);
    });
  });
}

/** Socket.IO: websocket transport only, `join` with an ack, then `message` events {room, seq, body}. */
function openSocketIo(spec: SubscriberSpec): Promise<void> {
  const socket: IoSocket = ioClient(spec.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
  });
  closers.push(() => socket.disconnect());
  socket.on('message', (frame: { seq: number; body: string }) => {
    record(spec.index, frame.seq, nowMs(), Number(frame.body), NaN);
  });
  return new Promise<void>((resolve, reject) => {
    let joined = false;
    socket.on('connect', () => {
      socket
        .timeout(30_000)
        .emitWithAck('join', spec.roomKey)
        .then(() => {
          joined = true;
          resolve();
        }, reject);
    });
    socket.on('connect_error', (error) => (joined ? problem(`connect_error: ${error.message}`) : reject(error)));
    socket.on('disconnect', (reason) => {
      if (!joined) reject(new Error(`disconnected before join: ${reason}`));
      else if (!closing) problem(`disconnected: ${reason}`);
    });
  });
}

const openers: Record<Target, (spec: SubscriberSpec) => Promise<void>> = {
  ours: openOurs,
  raw: openRaw,
  socketio: openSocketIo,
};

async function open(target: Target, specs: SubscriberSpec[], concurrency: number, timeoutMs: number) {
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        await withTimeout(openers[target](spec), timeoutMs, `subscriber ${spec.index}`);
        ok++;
      } catch (error) {
        failed++;
        if (errors.length < 10) errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, lane));
  return { ok, failed, errors };
}

function reply(message: WorkerReply) {
  process.send!(message);
}

process.on('message', (message: WorkerCommand) => {
  void (async () => {
    try {
      switch (message.cmd) {
        case 'open':
          reply({
            type: 'opened',
            ...(await open(message.target, message.subscribers, message.concurrency, message.timeoutMs)),
          });
          return;
        case 'begin':
          for (const column of [subscriber, seqs, receivedAt, latency, sinceStored]) column.reset();
          overflow = 0;
          gotAny = new Set();
          reply({ type: 'begun' });
          return;
        case 'count':
          reply({ type: 'count', deliveries: subscriber.length + overflow, subscribersWithAny: gotAny.size, problems });
          return;
        case 'collect':
          reply({
            type: 'collected',
            subscriber: subscriber.slice(),
            seq: seqs.slice(),
            receivedAt: receivedAt.slice(),
            latencyMs: latency.slice(),
            sinceStoredMs: sinceStored.slice(),
            overflow,
            problems: problemSamples.splice(0),
          });
          return;
        case 'close':
          closing = true;
          for (const close of closers.splice(0)) close();
          await sleep(500);
          reply({ type: 'closed' });
          return;
      }
    } catch (error) {
      reply({ type: 'error', message: (error as Error).stack ?? String(error) });
    }
  })();
});

process.on('disconnect', () => process.exit(0));
