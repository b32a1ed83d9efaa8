// Access tokens that live 2 s: the server closes each socket with 4401 when its token expires; the
// client refreshes, reconnects and the room stream loses and repeats nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { startServer, type TestServer } from '../../../server/test/support/server.js';
import type { Message, RefreshReason } from '../src/index.js';
import { contiguous, nodeClient, PASSWORD, sleep, summary, uniqueName, until } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ ...(await freshDatabaseEnv(cleanups)), ACCESS_TOKEN_TTL: '2s' });
  cleanups.push(server.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('token refresh across a 4401 close', () => {
  it('keeps a room stream whole for 6 s of 2-second tokens', async () => {
    const sender = nodeClient(server.graphqlUrl);
    const reader = nodeClient(server.graphqlUrl);
    cleanups.push(
      () => sender.close(),
      () => reader.close(),
    );
    await sender.register({ username: uniqueName('sender'), password: PASSWORD });
    const signedIn = await reader.register({ username: uniqueName('reader'), password: PASSWORD });
    // PRIVATE: only a signed-in member may read it, so a guest fallback could not pass this test.
    const room = await sender.createRoom({ name: uniqueName('refresh'), kind: 'PRIVATE' });
    await sender.room(room.id).invite(signedIn.user.username);
    await reader.room(room.id).join();

    const closes: number[] = [];
    const refreshes: RefreshReason[] = [];
    let connections = 0;
    reader.on('closed', ({ code }) => closes.push(code));
    reader.on('refreshed', ({ reason }) => refreshes.push(reason));
    reader.on('connected', () => connections++);
    let signedOut = false;
    reader.on('signedOut', () => (signedOut = true));

    const stream = reader.room(room.id).messages();
    const received: Message[] = [];
    stream.onMessage((message) => received.push(message));
    await until(() => connections === 1 && stream.lastSeq === 0, 10_000, 'the stream to start');

    const sent: Message[] = [];
    const started = Date.now();
    while (Date.now() - started < 6_000) {
      sent.push(await sender.room(room.id).send(`at ${Date.now() - started} ms`));
      await sleep(40);
    }
    await until(() => received.length >= sent.length, 10_000, `all ${sent.length} messages (got ${received.length})`);
    await sleep(300);

    const got = summary(received);
    expect(got.seqs).toEqual(sent.map((m) => m.seq));
    expect(got.distinctIds).toBe(sent.length);
    expect(contiguous(got.seqs)).toBe(true);
    // The sockets were closed for their expired tokens, the client refreshed and reconnected each time.
    expect(closes.filter((code) => code === 4401).length).toBeGreaterThanOrEqual(1);
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(signedOut).toBe(false);
    expect(stream.closed).toBe(false);
    // The session is still good for plain requests too.
    expect((await reader.me())?.id).toBe(signedIn.user.id);
    stream.close();
  }, 120_000);
});
