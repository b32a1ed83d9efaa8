// What the one-server benches (moderation, people, webhooks) share: a fresh PostgreSQL database,
// servers started as operators start them, and GraphQL over HTTP keep-alive.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serverCommand } from '../server/test/support/server.js';
import { post } from './http.js';

/** A database `chat_bench_<hex>` made on `adminUrl`'s server, dropped by `drop()`. */
export async function freshDatabase(adminUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `chat_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface OperatorServer {
  url: string;
  /** SIGTERM, then waits for the process to end. */
  stop(): Promise<void>;
}

const started: ChildProcess[] = [];
// Never leave a server behind, whatever happens to the run.
process.on('exit', () => started.forEach((server) => server.kill('SIGKILL')));

/**
 * The server as operators run it (`npm start`'s command: the compiled server; production, rate
 * limits off, no web app) on a free loopback port, with `env` on top; resolves once it is listening.
 */
export function startOperatorServer(env: Record<string, string>): Promise<OperatorServer> {
  const server = spawn(process.execPath, serverCommand(), {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMITS: 'off',
      WEB_APP: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(server);
  const stop = async () => {
    server.kill('SIGTERM');
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
  };
  return new Promise((resolve) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+).*"server listening"/.exec(out);
      if (match) resolve({ url: `http://127.0.0.1:${match[1]}`, stop });
    });
  });
}

/** One GraphQL request to `url`; its data, or an error with the response's errors. */
export async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await post(url, '/graphql', JSON.stringify({ query, variables }), {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  const body = JSON.parse(response.body) as { data?: Record<string, any>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}
