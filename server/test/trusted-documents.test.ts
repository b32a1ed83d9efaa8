// Trusted documents (persisted operations): requests may name a document of the clients' manifests by
// id instead of sending its text, on HTTP (POST and GET) and WebSocket; with TRUSTED_DOCUMENTS_ONLY
// nothing else runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from './support/databases.js';
import { connect, subscribe } from './support/live.js';
import { repoRoot, spawnServer, startServer, type TestServer } from './support/server.js';
import { registerUser } from './support/users.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const manifest = JSON.parse(
  readFileSync(join(repoRoot, 'client/sdk/src/generated/trusted-documents.json'), 'utf8'),
) as Record<string, string>;
/** The id of the SDK's document whose text starts with `start`. */
const idOf = (start: string) => Object.entries(manifest).find(([, text]) => text.startsWith(start))![0];
const ME = idOf('query MeQuery');
const ONLINE_COUNT = idOf('subscription OnlineCountSubscription');
const persisted = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });

async function post(server: TestServer, body: Record<string, unknown>, token?: string) {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

function overSocket(server: TestServer, query: string) {
  const socket = connect(server.wsUrl);
  cleanups.push(() => socket.dispose());
  return subscribe(socket, query);
}

describe('trusted documents, optional (the default)', () => {
  let server: TestServer;
  let token: string;
  let username: string;
  beforeAll(async () => {
    server = await startServer(await freshDatabaseEnv(cleanups));
    cleanups.push(server.stop);
    ({
      accessToken: token,
      user: { username },
    } = await registerUser(server.url));
  });

  it('the manifest holds every SDK operation, by the sha256 of its text', async () => {
    const { createHash } = await import('node:crypto');
    expect(Object.keys(manifest).length).toBeGreaterThan(20);
    for (const [id, text] of Object.entries(manifest)) {
      expect(createHash('sha256').update(text).digest('hex')).toBe(id);
    }
  });

  it('runs a document named by id over POST (Apollo extension or documentId) and GET', async () => {
    const prefixed = await post(server, { extensions: persisted(`sha256:${ME}`) }, token);
    expect(prefixed.data.me.username).toBe(username);
    const byExtension = await post(server, { extensions: persisted(ME) }, token);
    expect(byExtension.errors).toBeUndefined();
    expect(byExtension.data.me.username).toBe(username);

    const byDocumentId = await post(server, { documentId: `sha256:${ME}` }, token);
    expect(byDocumentId.data.me.username).toBe(username);

    const url = new URL(server.graphqlUrl);
    url.searchParams.set('extensions', JSON.stringify(persisted(ME)));
    url.searchParams.set('operationName', 'MeQuery');
    const get = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(((await get.json()) as { data: any }).data.me.username).toBe(username);
  });

  it('an unknown id is NOT_FOUND with the message persisted-query clients retry on; other text still runs', async () => {
    const unknown = await post(server, { extensions: persisted('0'.repeat(64)) });
    expect(unknown.errors).toEqual([
      expect.objectContaining({
        message: 'PersistedQueryNotFound',
        extensions: { code: 'NOT_FOUND', field: 'documentId' },
      }),
    ]);
    const missing = await post(server, {});
    expect(missing.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
    expect((await post(server, { query: '{ __typename }' })).data).toEqual({ __typename: 'Query' });
  });

  it('a known id runs its own text, whatever text comes with it', async () => {
    const result = await post(server, { query: '{ __typename }', extensions: persisted(ME) }, token);
    expect(result.data).toEqual({ me: expect.objectContaining({ username }) });
  });
});

describe('TRUSTED_DOCUMENTS_ONLY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...(await freshDatabaseEnv(cleanups)), TRUSTED_DOCUMENTS_ONLY: 'true' });
    cleanups.push(server.stop);
  });

  it('refuses any other text with FORBIDDEN, over HTTP and WebSocket', async () => {
    const refused = await post(server, { query: '{ __typename }' });
    expect(refused.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', field: 'query' } });
    expect(refused.data).toBeUndefined();
    const smuggled = await post(server, { query: '{ __typename }', extensions: persisted('1'.repeat(64)) });
    expect(smuggled.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', field: 'query' } });

    const sub = overSocket(server, 'subscription { onlineCount { users } }');
    await sub.ended;
    expect(sub.results[0]!.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', field: 'query' } });
  });

  it('runs trusted documents over HTTP and WebSocket', async () => {
    const me = await post(server, { extensions: persisted(ME) });
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: null });

    const socket = connect(server.wsUrl);
    cleanups.push(() => socket.dispose());
    const results: any[] = [];
    await new Promise<void>((resolve, reject) =>
      socket.client.subscribe(
        { query: '', extensions: persisted(ONLINE_COUNT) },
        {
          next: (result) => {
            results.push(result);
            resolve();
          },
          error: reject,
          complete: resolve,
        },
      ),
    );
    expect(results[0].errors).toBeUndefined();
    expect(results[0].data.onlineCount.guests).toBeGreaterThanOrEqual(1);
  });

  it('a server told to accept trusted documents only, with none to read, does not start', async () => {
    const server = spawnServer({
      TRUSTED_DOCUMENTS_ONLY: 'true',
      TRUSTED_DOCUMENTS_FILES: 'no/such/manifest.json',
    });
    expect(await server.exited).toBe(2);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('invalid setting TRUSTED_DOCUMENTS_ONLY');
  });
});
