import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from './support/databases.js';
import { startServer, type TestServer } from './support/server.js';

/** graphql-http's own audits of the GraphQL over HTTP spec: none may fail or warn. */

const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ ...(await freshDatabaseEnv(cleanups)) });
  cleanups.push(server.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('GraphQL over HTTP (graphql-http serverAudits)', () => {
  for (const audit of serverAudits({ url: () => server.graphqlUrl, fetchFn: fetch })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      expect({ status: result.status, reason: result.status === 'ok' ? undefined : result.reason }).toEqual({
        status: 'ok',
        reason: undefined,
      });
    });
  }
});
