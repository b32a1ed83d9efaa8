// Sign up, create a room, stream it and send to it. Run against a server:
//   npx tsx quickstart.ts http://localhost:4000/graphql
import WebSocket from 'ws';
import { createChatClient } from '@chat/sdk';

const url = process.argv[2] ?? 'http://localhost:4000/graphql';
const chat = createChatClient({ url, webSocketImpl: WebSocket });

// Sign in: register (or login) keeps the tokens in the client, which refreshes them by itself.
const username = `demo_${Date.now().toString(36)}`;
const { user } = await chat.register({ username, password: 'a long enough password' });
console.log(`signed in as ${user.username}`);

// A room to talk in.
const room = await chat.createRoom({ name: `${username}-room`, kind: 'PUBLIC', topic: 'SDK demo' });

// Stream it: every message after `afterSeq`, in seq order, exactly once, across reconnections.
const stream = chat.room(room.id).messages({ afterSeq: room.lastSeq });

// Send: room(id).send() adds an idempotency key, so a retried send never posts twice.
for (const body of ['hello', 'from', 'the SDK']) await chat.room(room.id).send(body);

for await (const message of stream) {
  console.log(`#${message.seq} ${message.author.username}: ${message.body}`);
  if (message.seq === 3) break; // leaving the loop closes the stream
}
await chat.close();
