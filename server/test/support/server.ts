import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type App, type BuildOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { repoRoot, runBuild } from './build.js';

export { repoRoot };

/** Settings every test server gets: a free port, loopback, quiet logs, a fixed secret. */
export const baseEnv = {
  PORT: '0',
  HOST: '127.0.0.1',
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  LOG_FORMAT: 'json',
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
  // Tests send far faster than people: the abuse limits are tested on their own, with their own budgets.
  RATE_LIMIT_SEND_MESSAGE: '1000000/1s',
  RATE_LIMIT_CREATE_ROOM: '1000000/1s',
  RATE_LIMIT_SET_TYPING: '1000000/1s',
  RATE_LIMIT_REACT: '1000000/1s',
  RATE_LIMIT_INVITE: '1000000/1s',
  RATE_LIMIT_REGISTER: '1000000/1s',
  RATE_LIMIT_CONNECT: '1000000/1s',
};

export interface TestServer {
  app: App;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** A real server in this process, on a free port. `env` is what the environment would hold. */
export async function startServer(
  env: Record<string, string | undefined>,
  options: BuildOptions = {},
): Promise<TestServer> {
  const config = loadConfig({ ...baseEnv, ...env });
  const app = await buildApp(config, createLogger(config), options);
  await app.start();
  let stopped = false;
  return {
    app,
    url: app.url,
    graphqlUrl: `${app.url}/graphql`,
    wsUrl: `${app.url.replace(/^http/, 'ws')}/graphql`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.stop();
    },
  };
}

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the URL once the server logged that it listens. */
  ready: Promise<string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Two or more server processes on the same settings; they are stopped by the returned cleanup. */
export async function spawnReplicas(
  count: number,
  env: Record<string, string | undefined>,
  cleanups: (() => Promise<void>)[],
): Promise<{ processes: ServerProcess[]; urls: string[] }> {
  const processes = Array.from({ length: count }, () => spawnServer(env));
  cleanups.push(async () => {
    for (const p of processes) p.kill();
    await Promise.all(processes.map((p) => p.exited));
  });
  return { processes, urls: await Promise.all(processes.map((p) => p.ready)) };
}

/** The database id inside a global id (what the API returns as `id`). */
export const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

/**
 * The command that starts the server in a working tree of this repository, as `npm start` runs it:
 * the compiled server (scripts/build-server.mjs, run before the tests by support/global-setup.ts,
 * and by the benchmarks before they start one). A tree from before the server was compiled (a
 * benchmark's baseline) runs its sources through tsx, as its `npm start` did.
 */
export function serverCommand(cwd = repoRoot): string[] {
  let command = commands.get(cwd);
  if (command) return command;
  if (existsSync(join(cwd, 'scripts/build-server.mjs'))) {
    runBuild('scripts/build-server.mjs', cwd);
    command = ['server/dist/main.js'];
  } else {
    command = ['--import', 'tsx', 'server/src/main.ts'];
  }
  commands.set(cwd, command);
  return command;
}
const commands = new Map<string, string[]>();

/**
 * The server as operators start it (`npm start`'s command), in a child process; from `cwd`, another
 * working tree of this repository, when a benchmark compares two builds (bench/send-ab.ts).
 */
export function spawnServer(env: Record<string, string | undefined>, cwd = repoRoot): ServerProcess {
  const child = spawn(process.execPath, serverCommand(cwd), {
    cwd,
    env: { PATH: process.env.PATH, ...baseEnv, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+).*"server listening"/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  ready.catch(() => undefined);
  return { child, output: () => out, exited, ready, kill: (signal = 'SIGTERM') => void child.kill(signal) };
}
