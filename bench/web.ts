// The web app's figures: the production bundle's size (JS + CSS, gzip) and its time to interactive
// in Chromium on this machine.
//   npx tsx bench/web.ts [--runs 7]
// Builds the app if it is stale (scripts/build-web.mjs, as `npm start` does), starts a server on
// 127.0.0.1 (PostgreSQL when DATABASE_URL is set, else the embedded database in a temporary
// DATA_DIR) and seeds a room with 100 messages. Each run opens a new browser context (empty HTTP
// cache) and measures, from navigation start:
//   - sign-in: a first visit, until the sign-in form's username field is there and enabled;
//   - chat: after signing in, a reload of the room's address, until its messages and the message
//     box are there (the session restored from the cookie, the history fetched; assets cached).
// The page records the moments itself (a MutationObserver added before any script runs), so the
// driver's round trips are not counted. Prints medians and writes bench/results/web-<timestamp>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { freshDatabaseEnv } from '../server/test/support/databases.js';
import { gql } from '../server/test/support/graphql.js';
import { repoRoot, startServer } from '../server/test/support/server.js';
import { registerUser } from '../server/test/support/users.js';

const runsArg = process.argv.indexOf('--runs');
const runs = Math.min(50, Math.max(1, Number(runsArg > 0 ? process.argv[runsArg + 1] : 7) || 7));
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

// ---- the bundle -------------------------------------------------------------------------------

const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: repoRoot, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
const assetsDir = `${repoRoot}client/web/dist/assets/`;
const assets = readdirSync(assetsDir)
  .filter((name) => /\.(js|css)$/.test(name))
  .map((name) => {
    const body = readFileSync(assetsDir + name);
    return { name, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
const total = (kind: string, key: 'bytes' | 'gzip') =>
  assets.filter((a) => a.name.endsWith(kind)).reduce((sum, a) => sum + a[key], 0);
const bundle = {
  js: { bytes: total('.js', 'bytes'), gzip: total('.js', 'gzip') },
  css: { bytes: total('.css', 'bytes'), gzip: total('.css', 'gzip') },
};

// ---- time to interactive ------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
const server = await startServer({ ...(await freshDatabaseEnv(cleanups)), LOG_LEVEL: 'warn' });
cleanups.push(() => server.stop());
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
cleanups.push(() => browser.close());

const PASSWORD = 'correct horse battery';
const owner = await registerUser(server.url, 'bench_owner', PASSWORD);
const created = await gql(
  server.url,
  'mutation { createRoom(input: { name: "Bench room", kind: PUBLIC }) { id } }',
  {},
  { token: owner.accessToken },
);
const roomId: string = created.data!.createRoom.id;
for (let i = 1; i <= 100; i++) {
  await gql(
    server.url,
    'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
    { input: { roomId, body: `Message ${i} of the bench room's history` } },
    { token: owner.accessToken },
  );
}

/** Records, in the page, when each selector first matches (ms since navigation start). */
const MARKS = `
  window.__marks = {};
  const wanted = { signIn: 'input[name="username"]:enabled', chat: '.message-list .message ~ .message' };
  const composer = '#composer-input';
  const check = () => {
    const now = performance.now();
    if (!__marks.signIn && document.querySelector(wanted.signIn)) __marks.signIn = now;
    if (!__marks.chat && document.querySelector(wanted.chat) && document.querySelector(composer)) __marks.chat = now;
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
`;

async function mark(page: Page, name: 'signIn' | 'chat'): Promise<number> {
  await page.waitForFunction((key) => (window as unknown as { __marks: Record<string, number> }).__marks[key], name);
  return page.evaluate((key) => (window as unknown as { __marks: Record<string, number> }).__marks[key]!, name);
}

const signIn: number[] = [];
const chat: number[] = [];
for (let run = 1; run <= runs; run++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(MARKS);
  const page = await context.newPage();
  await page.goto(server.url);
  signIn.push(await mark(page, 'signIn'));

  const username = `bench_${run}_${Date.now().toString(36)}`;
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByText('Signed in as').waitFor();
  await page.goto(`${server.url}/rooms/${encodeURIComponent(roomId)}`);
  await page.getByRole('button', { name: 'Join to write' }).click();
  await page.locator('#composer-input').waitFor();

  await page.reload();
  chat.push(await mark(page, 'chat'));
  await context.close();
  console.log(`run ${run}: sign-in form ${signIn.at(-1)!.toFixed(0)} ms, chat ${chat.at(-1)!.toFixed(0)} ms`);
}

for (const cleanup of cleanups.reverse()) await cleanup();

const report = {
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, loadavg: loadavg() },
  chromium: browser.version(),
  database: process.env.DATABASE_URL ? 'postgresql' : 'embedded',
  bundle,
  assets,
  runs,
  signInMs: { median: median(signIn), all: signIn },
  chatMs: { median: median(chat), all: chat },
};
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`
bundle: JS ${kib(bundle.js.gzip)} gzip (${kib(bundle.js.bytes)}), CSS ${kib(bundle.css.gzip)} gzip (${kib(bundle.css.bytes)}), total ${kib(bundle.js.gzip + bundle.css.gzip)} gzip
sign-in form usable (first visit, empty cache): median ${report.signInMs.median.toFixed(0)} ms of ${runs}
chat interactive (reload, signed in, room of 100 messages): median ${report.chatMs.median.toFixed(0)} ms of ${runs}
load average at the end: ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}`);
const resultsDir = new URL('results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL(`web-${report.at.replace(/[:.]/g, '-')}.json`, resultsDir), JSON.stringify(report, null, 2));
