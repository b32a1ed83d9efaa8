// Compiles the server (server/src, TypeScript) to server/dist (JavaScript, file for file, in the
// same layout), when the build is missing or older than any of its sources. `npm start` runs it
// first (prestart), then runs server/dist/main.js with Node alone: a TypeScript loader in every
// replica costs about 100 MiB of memory (bench/README.md, "Idle resident memory"). It only strips
// the types, as the loader would; `npm run typecheck` checks them. Half a second; with a fresh
// build, a few milliseconds.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { upToDate } from './changed-at.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const source = join(root, 'server/src');
const out = join(root, 'server/dist');
/** Written last: a build that stopped halfway is not taken for a fresh one. */
const stamp = join(out, '.built');

if (upToDate(stamp, [source, join(root, 'tsconfig.json'), join(root, 'package-lock.json')])) process.exit(0);

const files = readdirSync(source, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .map((name) => join(source, name));
const { build } = await import('esbuild');
const started = performance.now();
// What a deleted source compiled to goes too.
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: files,
  outdir: out,
  outbase: source,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: join(root, 'tsconfig.json'),
  // Written beside each file, not loaded: NODE_OPTIONS=--enable-source-maps puts stack traces in
  // TypeScript lines, at some memory.
  sourcemap: 'linked',
  logLevel: 'warning',
});
writeFileSync(stamp, '');
console.log(
  `server: compiled ${files.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s (server/dist)`,
);
