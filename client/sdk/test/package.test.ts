// The package as others get it: `tsc -p client/sdk` builds ESM + declarations that import in plain
// Node, and the runtime bundles for browsers with nothing from Node.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../server/test/support/server.js';

const run = promisify(execFile);
const sdk = `${repoRoot}client/sdk/`;

describe('the package', () => {
  it('builds to dist/ (ESM and .d.ts) and imports in plain Node', async () => {
    await run(process.execPath, [`${repoRoot}node_modules/typescript/bin/tsc`, '-p', sdk], { cwd: repoRoot });
    for (const file of ['index.js', 'index.d.ts', 'client.js', 'generated/graphql.js', 'generated/graphql.d.ts']) {
      expect(existsSync(`${sdk}dist/${file}`), file).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(`${sdk}package.json`, 'utf8'));
    expect(pkg).toMatchObject({ name: '@chat/sdk', type: 'module' });
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const sdk = await import('@chat/sdk');
         const chat = sdk.createChatClient({ url: 'http://127.0.0.1:9/graphql' });
         const error = await chat.me().catch((e) => e);
         console.log(typeof sdk.createChatClient, error instanceof sdk.ChatError, error.code, Object.keys(sdk.queries).length);`,
      ],
      { cwd: repoRoot },
    );
    expect(stdout.trim()).toBe('function true NETWORK 25');
  }, 180_000);

  it('bundles for browsers with nothing from Node', async () => {
    const result = await build({
      entryPoints: [`${sdk}src/index.ts`],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith('node:') || input.includes('node_modules/ws/'))).toEqual([]);
    // Every operation of the API is in the bundle: reactions, threads, attachments and webhooks took it past 200 KB,
    // roles and moderation (12 operations, and the room's role, mute and archive state in every room)
    // and the people operations (profiles, friends, blocks, notifications) to 281 KB, most of it
    // the documents as parsed ASTs.
    expect(result.outputFiles[0]!.contents.byteLength).toBeLessThan(290_000);
  });
});
