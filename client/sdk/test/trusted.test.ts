// The SDK sends its operations as trusted documents: it works against a server that runs nothing
// else, and against one that does not know its documents (it sends their text instead).
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { startServer } from '../../../server/test/support/server.js';
import type { ChatClient, FetchLike } from '../src/index.js';
import { nodeClient, PASSWORD, uniqueName } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** A fetch that records what each request body carried. */
function recordingFetch() {
  const bodies: { query?: string; extensions?: { persistedQuery?: { sha256Hash: string } } }[] = [];
  const fetchImpl: FetchLike = (input, init) => {
    bodies.push(JSON.parse(String(init.body)));
    return fetch(input, init);
  };
  return { bodies, fetchImpl };
}

async function server(env: Record<string, string>) {
  const started = await startServer({ ...(await freshDatabaseEnv(cleanups)), ...env });
  cleanups.push(started.stop);
  return started;
}

function client(url: string, options: Parameters<typeof nodeClient>[1] = {}): ChatClient {
  const c = nodeClient(url, options);
  cleanups.push(() => c.close());
  return c;
}

describe('trusted documents', () => {
  it('against TRUSTED_DOCUMENTS_ONLY: signs up, streams a room and sends, by id alone over HTTP', async () => {
    const only = await server({ TRUSTED_DOCUMENTS_ONLY: 'true' });
    const { bodies, fetchImpl } = recordingFetch();
    const alice = client(only.graphqlUrl, { fetch: fetchImpl });
    await alice.register({ username: uniqueName('alice'), password: PASSWORD });
    const room = await alice.createRoom({ name: uniqueName('trusted'), kind: 'PUBLIC' });
    const stream = alice.room(room.id).messages({ afterSeq: 0 });
    await alice.room(room.id).send('one');
    await alice.room(room.id).send('two');
    const bodiesSeen: string[] = [];
    for await (const message of stream) {
      bodiesSeen.push(message.body);
      if (bodiesSeen.length === 2) break;
    }
    expect(bodiesSeen).toEqual(['one', 'two']);
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) {
      expect(body.query).toBeUndefined();
      expect(body.extensions?.persistedQuery?.sha256Hash).toMatch(/^[0-9a-f]{64}$/);
    }

    // Sending the text alone is refused there.
    const plain = client(only.graphqlUrl, { trustedDocuments: false });
    await expect(plain.me()).rejects.toMatchObject({ code: 'FORBIDDEN', field: 'query' });
  });

  it('against a server without its manifest: sends the text after the first miss, and works', async () => {
    const unaware = await server({ TRUSTED_DOCUMENTS_FILES: 'no/such/manifest.json' });
    const { bodies, fetchImpl } = recordingFetch();
    const bob = client(unaware.graphqlUrl, { fetch: fetchImpl });
    await bob.register({ username: uniqueName('bob'), password: PASSWORD });
    expect((await bob.me())?.username).toMatch(/^bob/);
    expect((await bob.me())?.username).toMatch(/^bob/);
    // register: id (missed), then text; me: id (missed), then text; me again: text at once.
    expect(bodies.map((b) => (b.query === undefined ? 'id' : 'text'))).toEqual(['id', 'text', 'id', 'text', 'text']);
  });
});
