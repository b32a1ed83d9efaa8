// Prints the Pothos schema as SDL to schema.graphql (or checks it with --check).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printedSchema } from '../src/schema/index.js';

const target = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
const sdl = printedSchema();
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== sdl) {
    console.error('schema.graphql is stale: run `npm run schema:print` and commit the result');
    process.exit(1);
  }
  console.log('schema.graphql is up to date');
} else {
  await writeFile(target, sdl);
  console.log(`wrote ${target}`);
}
