import { afterAll, describe, expect, it } from 'vitest';
import { createDataDir, createPostgresDatabase } from './support/databases.js';
import { hasPostgres, hasRedis, redisUrl } from './support/env.js';
import { gql } from './support/graphql.js';
import { throughProxy } from './support/proxy.js';
import { startServer } from './support/server.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

async function expectServing(url: string) {
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
  const result = await gql(url, '{ me { id } }');
  expect(result).toMatchObject({ status: 200, data: { me: null } });
}

describe('GET /healthz and /readyz', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answer on the embedded default, and GraphQL works over HTTP and WebSocket', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const server = await startServer({ DATA_DIR: data.dir });
    cleanups.push(server.stop);
    await expectServing(server.url);

    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    const result = await new Promise((resolve, reject) => {
      let value: unknown;
      client.subscribe(
        { query: '{ __typename me { id } }' },
        { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
      );
    });
    await client.dispose();
    expect(result).toEqual({ data: { __typename: 'Query', me: null } });
  });

  it('serves GraphiQL to a browser', async () => {
    const data = await createDataDir();
    cleanups.push(data.remove);
    const server = await startServer({ DATA_DIR: data.dir });
    cleanups.push(server.stop);
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('graphiql');
  });

  describe.runIf(hasPostgres)('on PostgreSQL', () => {
    it('answer', async () => {
      const db = await createPostgresDatabase();
      cleanups.push(db.drop);
      const server = await startServer({ DATABASE_URL: db.url });
      cleanups.push(server.stop);
      await expectServing(server.url);
    });

    it('/readyz answers 503 while the database is unreachable', async () => {
      const db = await createPostgresDatabase();
      cleanups.push(db.drop);
      const { proxy, url } = await throughProxy(db.url, cleanups);
      const server = await startServer({ DATABASE_URL: url });
      cleanups.push(server.stop);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

      await proxy.cut();
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'unavailable',
        checks: { database: expect.stringMatching(/^unavailable/) },
      });
      // Liveness is about the process, not its dependencies.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });
  });

  describe.runIf(hasPostgres && hasRedis)('with Redis', () => {
    it('/readyz checks the pub/sub too', async () => {
      const db = await createPostgresDatabase();
      cleanups.push(db.drop);
      const server = await startServer({ DATABASE_URL: db.url, REDIS_URL: redisUrl });
      cleanups.push(server.stop);
      expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({
        checks: { database: 'ok', pubsub: 'ok' },
      });
    });

    it('/readyz answers 503 when Redis is unreachable', async () => {
      const db = await createPostgresDatabase();
      cleanups.push(db.drop);
      // Nothing listens on port 1: every connection attempt is refused.
      const server = await startServer({ DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1' });
      cleanups.push(server.stop);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        checks: { database: 'ok', pubsub: expect.stringMatching(/^unavailable/) },
      });
    });
  });
});
