// The README's examples are files in examples/, shown verbatim; here they are run against a real
// server (the browser one only typechecked, with the tests, by tsc).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { repoRoot, startServer, type TestServer } from '../../../server/test/support/server.js';

const run = promisify(execFile);
const sdk = `${repoRoot}client/sdk/`;
const cleanups: (() => Promise<void>)[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startServer(await freshDatabaseEnv(cleanups));
  cleanups.push(server.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The examples as the README shows them: `<!-- examples/x.ts -->` and the ts block after it. */
function readmeExamples(): Map<string, string> {
  const readme = readFileSync(`${sdk}README.md`, 'utf8');
  const shown = new Map<string, string>();
  for (const match of readme.matchAll(/<!-- (examples\/[\w-]+\.ts) -->\s*```ts\n([\s\S]*?)```/g)) {
    shown.set(match[1]!, match[2]!);
  }
  return shown;
}

/** Runs an example as a user would (`npx tsx example.ts URL`), with @chat/sdk resolved to its source. */
async function runExample(file: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', `${sdk}${file}`, server.graphqlUrl],
    { cwd: repoRoot, timeout: 30_000 },
  );
  return stdout;
}

describe('the README', () => {
  it('shows every example file exactly as it is', () => {
    const shown = readmeExamples();
    const files = readdirSync(`${sdk}examples`).map((name) => `examples/${name}`);
    expect([...shown.keys()].sort()).toEqual(files.sort());
    for (const [file, code] of shown) expect(code, file).toBe(readFileSync(`${sdk}${file}`, 'utf8'));
  });

  it('quick start: the command it gives, run from the repository root, signs up, streams a room and sends to it', async () => {
    // Exactly the documented command, on the SDK as `npm install` builds it.
    const readme = readFileSync(`${sdk}README.md`, 'utf8');
    const command = /Runnable as it stands[\s\S]*?`(npx tsx [^`]+)`/.exec(readme)![1]!;
    await run('npm', ['run', 'build', '-w', 'client/sdk'], { cwd: repoRoot, timeout: 120_000 });
    const [npx, ...args] = command.replace('http://localhost:4000/graphql', server.graphqlUrl).split(' ');
    const { stdout: out } = await run(npx!, args, { cwd: repoRoot, timeout: 60_000 });
    expect(out).toMatch(/^signed in as demo_\w+\n#1 demo_\w+: hello\n#2 demo_\w+: from\n#3 demo_\w+: the SDK\n$/);
  });

  it('errors: codes, fields and the session ending', async () => {
    const out = await runExample('examples/errors.ts');
    expect(out.split('\n')).toEqual([
      expect.stringMatching(/^BAD_USER_INPUT on password: /),
      'myRooms as a guest: sign in first',
      expect.stringMatching(/^registered demo_/),
      'signed out: logout',
      '',
    ]);
  });

  it('the examples, tests and sources typecheck (tsconfig.test.json)', async () => {
    const tsc = `${repoRoot}node_modules/typescript/bin/tsc`;
    const result = await run(process.execPath, [tsc, '--noEmit', '-p', `${sdk}tsconfig.test.json`], {
      cwd: repoRoot,
      timeout: 120_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe('');
  }, 240_000);
});
