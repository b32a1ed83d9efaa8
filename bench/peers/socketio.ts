// What a user would pick instead, for bench/live/run.ts: Socket.IO with its Redis adapter, no
// auth, no database, default settings except the websocket-only transport. One process per replica:
//   PORT=0 REDIS_URL=redis://127.0.0.1:6379 PREFIX=bench-sio node --import tsx bench/peers/socketio.ts
// Clients emit `join` (room, ack); POST /send {room, seq, body} → io.to(room).emit('message', …),
// which the adapter hands to this replica's sockets and publishes on Redis for the others.
// Prints "listening <port>" when ready; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.PREFIX ?? 'bench-sio';

const publisher = new Redis(redisUrl);
const subscriber = publisher.duplicate();

// Socket.IO answers its own path (/socket.io/); everything else comes here.
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
    io.to(message.room).emit('message', { room: message.room, seq: message.seq, body: message.body });
    res.writeHead(204).end();
  });
});

const io = new Server(server, {
  adapter: createAdapter(publisher, subscriber, { key: prefix }),
  transports: ['websocket'],
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack?: () => void) => {
    if (typeof room !== 'string') return;
    void Promise.resolve(socket.join(room)).then(() => ack?.());
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    io.disconnectSockets(true);
    void io.close();
    publisher.disconnect();
    subscriber.disconnect();
    setTimeout(() => process.exit(0), 100).unref();
  });
}
