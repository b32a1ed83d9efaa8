// Opens one graphql-ws connection and starts and stops `count` roomEvents subscriptions, 100 at a
// time. Runs in a process of its own so the client's memory is not counted with the server's.
//   node churn.mjs <wsUrl> <accessToken> <roomId,roomId,…> <count>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, authToken, rooms, count] = process.argv.slice(2);
const roomIds = rooms.split(',');
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  lazy: false,
  connectionParams: { authToken },
});
const query = 'subscription ($roomId: ID!) { roomEvents(roomId: $roomId) { __typename } }';
for (let i = 0; i < Number(count); i += 100) {
  await Promise.all(
    Array.from({ length: 100 }, async (_, j) => {
      const stop = client.subscribe(
        { query, variables: { roomId: roomIds[(i + j) % roomIds.length] } },
        { next() {}, error() {}, complete() {} },
      );
      await new Promise((resolve) => setTimeout(resolve, 1));
      stop();
    }),
  );
}
await new Promise((resolve) => setTimeout(resolve, 200));
await client.dispose();
