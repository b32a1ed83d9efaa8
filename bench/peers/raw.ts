// The floor for bench/live/run.ts: a minimal room broadcaster with `ws` + `ioredis`, no auth, no
// database. Run one process per replica:
//   PORT=0 REDIS_URL=redis://127.0.0.1:6379 PREFIX=bench-raw node --import tsx bench/peers/raw.ts
// POST /send {room, seq, body} → PUBLISH <prefix>:room:<room> (the JSON, serialised once) → every
// replica that has sockets in the room (it SUBSCRIBEd when the first one joined) writes that one
// frame to each of them. Sockets send {"join": room} and get {"joined": room} once subscribed.
// Prints "listening <port>" when ready; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT ?? 0);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.PREFIX ?? 'bench-raw';
const channelOf = (room: string) => `${prefix}:room:${room}`;

const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
/** Local sockets of each room; a room is subscribed on Redis while it has any. */
const rooms = new Map<string, Set<WebSocket>>();
const subscribing = new Map<string, Promise<unknown>>();

subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
  const room = channel.toString().slice(prefix.length + ':room:'.length);
  const sockets = rooms.get(room);
  if (!sockets) return;
  // One frame, written as is to every socket of the room.
  for (const socket of sockets) socket.send(message, { binary: false });
});

async function join(socket: WebSocket, room: string) {
  let sockets = rooms.get(room);
  if (!sockets) {
    rooms.set(room, (sockets = new Set()));
    subscribing.set(room, subscriber.subscribe(channelOf(room)));
  }
  sockets.add(socket);
  await subscribing.get(room);
}

function leave(socket: WebSocket, room: string) {
  const sockets = rooms.get(room);
  if (!sockets) return;
  sockets.delete(socket);
  if (sockets.size === 0) {
    rooms.delete(room);
    subscribing.delete(room);
    void subscriber.unsubscribe(channelOf(room));
  }
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/send') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let message: { room?: unknown; seq?: unknown; body?: unknown };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString()) as typeof message;
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (typeof message.room !== 'string' || typeof message.seq !== 'number' || typeof message.body !== 'string') {
      res.writeHead(400).end();
      return;
    }
    const frame = JSON.stringify({ room: message.room, seq: message.seq, body: message.body });
    publisher.publish(channelOf(message.room), frame).then(
      () => res.writeHead(204).end(),
      () => res.writeHead(503).end(),
    );
  });
});

const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (socket) => {
  const joined = new Set<string>();
  socket.on('message', (data: Buffer) => {
    let message: { join?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return;
    }
    if (typeof message.join !== 'string') return;
    const room = message.join;
    joined.add(room);
    void join(socket, room).then(() => socket.send(JSON.stringify({ joined: room })));
  });
  socket.on('close', () => {
    for (const room of joined) leave(socket, room);
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const socket of wss.clients) socket.terminate();
    wss.close();
    server.close();
    publisher.disconnect();
    subscriber.disconnect();
    setTimeout(() => process.exit(0), 100).unref();
  });
}
