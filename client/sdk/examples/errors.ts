// What failures look like: every one is a ChatError with a `code` (and `field`, `retryAfterMs`).
//   npx tsx errors.ts http://localhost:4000/graphql
import WebSocket from 'ws';
import { createChatClient, isChatError, type ChatError } from '@chat/sdk';

const url = process.argv[2] ?? 'http://localhost:4000/graphql';
const chat = createChatClient({ url, webSocketImpl: WebSocket });

// Input problems name the field.
try {
  await chat.register({ username: 'ok_name', password: 'short' });
} catch (error) {
  if (!isChatError(error, 'BAD_USER_INPUT')) throw error;
  console.log(`${error.code} on ${error.field}: ${error.message}`);
}

// Refusals say why.
function explain(error: ChatError): string {
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 'sign in first';
    case 'FORBIDDEN':
      return 'not allowed';
    case 'NOT_FOUND':
      return 'no such thing';
    case 'CONFLICT':
      return `already taken (${error.field})`;
    case 'RATE_LIMITED':
      return `slow down: try again in ${error.retryAfterMs} ms`;
    case 'NETWORK':
      return 'the server could not be reached';
    default:
      return error.message;
  }
}
try {
  await chat.myRooms(); // a guest has no rooms of its own
} catch (error) {
  if (!isChatError(error)) throw error;
  console.log(`myRooms as a guest: ${explain(error)}`);
}

// Waiting out RATE_LIMITED: the server says how long.
async function patiently<T>(task: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await task();
    } catch (error) {
      if (!isChatError(error, 'RATE_LIMITED')) throw error;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 1_000));
    }
  }
}
const { user } = await patiently(() =>
  chat.register({ username: `demo_${Date.now().toString(36)}`, password: 'a long enough password' }),
);
console.log(`registered ${user.username}`);

// The session's life: refreshed by itself; if the refresh token is refused, the client is a guest again.
chat.on('signedOut', ({ reason }) => console.log(`signed out: ${reason}`));
await chat.logout();
await chat.close();
