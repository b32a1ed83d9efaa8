import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumPresent, launchChromium } from './support/chromium.js';
import { freshDatabaseEnv } from './support/databases.js';
import { startServer, type TestServer } from './support/server.js';

/**
 * GraphiQL works with no network beyond the server: in Chromium, with every request to another
 * host refused, the editor renders and runs a subscription over the WebSocket.
 */
describe.runIf(chromiumPresent())('GraphiQL offline', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer({ ...(await freshDatabaseEnv(cleanups)) });
    cleanups.push(server.stop);
    browser = await launchChromium();
    cleanups.push(() => browser.close());
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('renders from the server alone and runs a subscription', async () => {
    const context = await browser.newContext();
    const origin = new URL(server.url).origin;
    const elsewhere: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      elsewhere.push(url);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const query = 'subscription { onlineCount { users guests } }';
    await page.goto(`${server.graphqlUrl}?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    // The editor lays text out with non-breaking spaces.
    const text = async () => (await response.innerText()).replace(/\s+/g, ' ');
    await expect.poll(text, { timeout: 15_000 }).toContain('"onlineCount": { "users": 0, "guests": 1 }');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
