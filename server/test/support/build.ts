// The repository's root, and its build scripts run from a test or a benchmark: what `npm start`
// builds first (prestart). Kept apart from support/server.ts so that vitest's global setup can use
// it without loading the server.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs a build script (`scripts/build-*.mjs`) in a working tree of this repository; throws with its output if it fails. */
export function runBuild(script: string, cwd = repoRoot): void {
  const build = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`${script} failed in ${cwd}:\n${build.stdout}${build.stderr}`);
}
