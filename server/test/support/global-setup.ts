// Before any test file runs, once: what `npm start` builds first (prestart), made or found up to
// date. The server processes the tests spawn run the compiled server (server/dist), and the
// browser tests load the web app's production build; built here, no two files build them at once.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export default function setup() {
  for (const script of ['scripts/build-web.mjs', 'scripts/build-server.mjs']) {
    const build = spawnSync(process.execPath, [script], { cwd: repoRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`${script} failed:\n${build.stdout}${build.stderr}`);
  }
}
