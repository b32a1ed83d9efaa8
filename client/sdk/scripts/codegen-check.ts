// `npm run codegen:check`: generates in memory with the root codegen.ts and fails (exit 1) when a
// generated file (client/sdk/src/generated/, client/web/src/gql/) differs from it, is missing, or
// should not be there.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config, { SDK_GENERATED_DIR, WEB_GENERATED_DIR } from '../../../codegen.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as {
  filename: string;
  content: string;
}[];

const problems: string[] = [];
const expected = new Map(outputs.map((o) => [relative(root, resolve(root, o.filename)), o.content]));
for (const [file, content] of expected) {
  let actual: string | undefined;
  try {
    actual = readFileSync(join(root, file), 'utf8');
  } catch {
    problems.push(`${file} is missing`);
    continue;
  }
  if (actual !== content) problems.push(`${file} is not what codegen writes`);
}
for (const dir of [SDK_GENERATED_DIR, WEB_GENERATED_DIR]) {
  for (const name of readdirSync(join(root, dir))) {
    const file = join(dir, name);
    if (!expected.has(file)) problems.push(`${file} is not written by codegen`);
  }
}

if (problems.length) {
  console.error(`Generated code is out of date (run \`npm run codegen\`):\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log(`Generated code is up to date (${[...expected.keys()].join(', ')}).`);
}
