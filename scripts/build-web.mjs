// Builds the web app (client/web → client/web/dist, which the server serves at `/`) when the build
// is missing or older than any of its sources. `npm start` runs it first (prestart): with a fresh
// build it only compares file times, in a few milliseconds. Without vite (installed with
// --omit=dev) it says so and the server starts without the app.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { upToDate } from './changed-at.mjs';

const web = fileURLToPath(new URL('../client/web/', import.meta.url));
const built = join(web, 'dist/index.html');
const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((path) => join(web, path));
if (upToDate(built, sources)) process.exit(0);

// What people get, whoever runs it: the test runner sets NODE_ENV=test, under which React's
// development build (and each component's file path) would go into the bundle, and stay there for
// the next `npm start`, the build being up to date.
process.env.NODE_ENV = 'production';
let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('web app: vite is not installed (npm install without --omit=dev), so the app is not built');
  process.exit(0);
}
console.log(existsSync(built) ? 'web app: sources changed since the last build; building it' : 'web app: building it');
const started = performance.now();
await vite.build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
console.log(`web app: built in ${((performance.now() - started) / 1000).toFixed(1)} s (client/web/dist)`);
