import { serverAudits } from 'graphql-http';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from './support/databases.js';
import { gql } from './support/graphql.js';
import { eventually } from './support/live.js';
import { spawnServer, type ServerProcess } from './support/server.js';

/**
 * Logs an operator can read: a client's mistakes are logged at `info` or lower without stack
 * traces; `warn` and `error` are for what goes wrong on our side.
 */

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function started(env: Record<string, string | undefined>): Promise<{ server: ServerProcess; url: string }> {
  const server = spawnServer({ ...(await freshDatabaseEnv(cleanups)), LOG_LEVEL: 'debug', ...env });
  cleanups.push(async () => {
    server.kill();
    await server.exited;
  });
  return { server, url: await server.ready };
}

/** The JSON log lines at `warn` or above, and any line that carries a stack trace. */
function complaints(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(40|50|60)/.test(line) || /"stack"|\n\s+at |^\s+at /.test(line));
}

describe("a client's mistakes", () => {
  it('graphql-http audits, bad documents, unknown ids, bad tokens and oversized frames log no warning, error or stack', async () => {
    const { server, url } = await started({});
    for (const audit of serverAudits({ url: `${url}/graphql`, fetchFn: fetch })) await audit.fn();
    await gql(url, '{ nope');
    await gql(url, '{ nope }');
    await gql(url, '{ room(id: "Um9vbTpub25l") { id } }');
    await gql(url, '{ me { id } }', undefined, { token: 'not-a-token' });
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send('x'.repeat(300 * 1024)));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await eventually(() => server.output().includes('socket closed for a bad frame'));
    expect(server.output()).toMatch(/"level":30.*"code":"BAD_USER_INPUT".*"request refused"/);
    expect(complaints(server.output())).toEqual([]);
  });
});
