// The web app in a real browser: Debian's Chromium, driven by playwright-core, against a real
// server (a fresh PostgreSQL database when DATABASE_URL is set, Redis when REDIS_URL is) serving
// the production build. Two people, Alice on a desktop-sized window and Bob on a phone-sized one,
// talk in a private room. Without Chromium the file is skipped, except under CI=true, where that
// fails. Screenshots of both views are saved to docs/ for the README by `npm run screenshots`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, type Request, type WebSocketRoute } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { metric } from '../../../server/test/support/metrics.js';
import { chromiumPresent, launchChromium, screenshot } from '../../../server/test/support/chromium.js';
import { redisUrl } from '../../../server/test/support/env.js';
import { throughProxy, type Proxy } from '../../../server/test/support/proxy.js';
import { startReceiver } from '../../../server/test/support/receiver.js';
import { repoRoot, startServer, type TestServer } from '../../../server/test/support/server.js';
import { createChatClient, verifyWebhook } from '../../sdk/src/index.js';

const PASSWORD = 'correct horse battery';
/** More than one page (50) of history, so that the newest page leaves some out. */
const SEEDED = 60;
const WAIT_MS = 15_000;

/** The listed messages of the open room, as the page shows them. */
const messageItems = (page: Page) => page.getByRole('region', { name: 'Messages' }).getByRole('listitem');
/** The message whose whole text is `text` (line breaks count as spaces). */
const message = (page: Page, text: string) =>
  messageItems(page).filter({ has: page.locator('.body').getByText(text, { exact: true }) });

/** Waits until `check` holds (the page updates on its own time), failing with its last answer. */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The message bodies shown, top to bottom. */
const bodies = (page: Page) => page.locator('.message-list .message .body').allInnerTexts();

describe.runIf(chromiumPresent())('the web app in Chromium', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let server: TestServer;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let bobContext: BrowserContext;
  let roomId: string;
  /** The server reaches Redis (when there is one) through this, so that the test can take it away. */
  let redisProxy: Proxy | undefined;
  /** Bob's WebSockets pass through here, so the test can cut them and keep him offline. */
  const bobSockets: WebSocketRoute[] = [];
  let bobOffline = false;
  /** When Bob's sockets were last cut and last acknowledged by the server (steps of one counter). */
  const bobSocketLog = { step: 0, cut: 0, acknowledged: 0 };
  const cutBobSocket = (socket: WebSocketRoute, reason: string) => {
    bobSocketLog.cut = ++bobSocketLog.step;
    return socket.close({ code: 1012, reason });
  };
  /** What a test does to the frames of Bob's sockets: true when it took the frame (not passed on). */
  const bobFrames: {
    toServer?: (frame: string, socket: WebSocketRoute) => boolean;
    toPage?: (frame: string, socket: WebSocketRoute) => boolean;
  } = {};
  /** The frames Alice's page sent on its WebSockets. */
  const aliceFrames: string[] = [];
  /** Uncaught errors in either page: there should be none. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The production build, made (or found up to date) the way `npm start` makes it, before all
    // files (support/global-setup.ts).
    expect(existsSync(join(repoRoot, 'client/web/dist/index.html'))).toBe(true);

    let viaProxy: string | undefined;
    if (redisUrl) ({ proxy: redisProxy, url: viaProxy } = await throughProxy(redisUrl, cleanups));
    // Trusted documents only: every operation of the app (and of the SDK, which seeds) is one.
    server = await startServer({
      ...(await freshDatabaseEnv(cleanups)),
      REDIS_URL: viaProxy,
      TRUSTED_DOCUMENTS_ONLY: 'true',
      // Webhooks go to a receiver the test starts on loopback.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    cleanups.push(() => server.stop());
    browser = await launchChromium();
    cleanups.push(() => browser.close());

    const aliceContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    bobContext = await browser.newContext({ viewport: { width: 390, height: 780 }, deviceScaleFactor: 2 });
    await bobContext.routeWebSocket(/\/graphql$/, (socket) => {
      if (bobOffline) return void cutBobSocket(socket, 'offline (test)');
      const server = socket.connectToServer();
      socket.onMessage((frame) => void (bobFrames.toServer?.(String(frame), socket) || server.send(frame)));
      server.onMessage((frame) => {
        if (String(frame).includes('"type":"connection_ack"')) bobSocketLog.acknowledged = ++bobSocketLog.step;
        if (!bobFrames.toPage?.(String(frame), socket)) socket.send(frame);
      });
      bobSockets.push(socket);
    });
    alice = await aliceContext.newPage();
    bob = await bobContext.newPage();
    alice.on('websocket', (socket) => socket.on('framesent', ({ payload }) => void aliceFrames.push(String(payload))));
    for (const page of [alice, bob]) {
      page.setDefaultTimeout(WAIT_MS);
      page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
    }
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function register(page: Page, username: string, displayName: string) {
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Display name').fill(displayName);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByText('Signed in as').waitFor();
  }

  async function send(page: Page, text: string) {
    await page.getByRole('textbox', { name: /^Message / }).fill(text);
    await page.keyboard.press('Enter');
  }

  it('signs two people up, each in their own browser', async () => {
    await register(alice, 'alice', 'Alice');
    await register(bob, 'bob', 'Bob');
    // The server's own answer: the session cookie is HttpOnly, out of the page's reach.
    const cookies = await bobContext.cookies();
    expect(cookies.find((c) => c.name === 'chat_refresh')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await bob.evaluate(() => document.cookie)).toBe('');
  });

  it('lets Alice create a private room and invite Bob, who joins it by name', async () => {
    await alice.getByRole('link', { name: 'New room' }).click();
    await alice.getByLabel('Room name').fill('Design review');
    await alice.getByLabel('Topic').fill('The new onboarding flow');
    await alice.getByRole('radio', { name: /Private/ }).check();
    await alice.getByRole('button', { name: 'Create room' }).click();
    await alice.getByRole('heading', { name: 'Design review' }).waitFor();
    roomId = decodeURIComponent(new URL(alice.url()).pathname.split('/').pop()!);
    await alice.getByRole('link', { name: /Design review/ }).waitFor();

    await alice.getByText('Invite someone').click();
    await alice.getByLabel('Username to invite').fill('bob');
    await alice.getByRole('button', { name: 'Invite', exact: true }).click();
    await alice.getByText('Invited bob').waitFor();

    // Not listed in the directory: Bob joins it by its name.
    await bob.getByRole('link', { name: 'Directory' }).click();
    await bob.getByLabel('Room name').fill('Design review');
    await bob.getByRole('button', { name: 'Join', exact: true }).click();
    await bob.getByRole('heading', { name: 'Design review' }).waitFor();
    expect(new URL(bob.url()).pathname).toBe(`/rooms/${encodeURIComponent(roomId)}`);
    await alice.getByText('2 members').waitFor();
  });

  it('seeds more than a page of history over the API', async () => {
    const sdk = createChatClient({ url: server.graphqlUrl });
    cleanups.push(() => sdk.close());
    await sdk.login({ username: 'alice', password: PASSWORD });
    for (let i = 1; i <= SEEDED; i++) {
      const sent = await sdk.room(roomId).send(`Earlier message ${i}`, { clientMessageId: `seed-${i}` });
      expect(sent.seq).toBe(i);
    }
    // Both open rooms got them live.
    await message(alice, `Earlier message ${SEEDED}`).waitFor();
    await message(bob, `Earlier message ${SEEDED}`).waitFor();
  });

  it('shows each side the other’s messages live, and who is typing', async () => {
    await send(alice, 'Morning! Is the new build ready?');
    await message(bob, 'Morning! Is the new build ready?').waitFor();

    await bob.getByRole('textbox', { name: /^Message / }).fill('Yes');
    await alice.getByText('Bob is typing…').waitFor();
    await bob.getByRole('textbox', { name: /^Message / }).fill('Yes, it is on staging since 9:30.');
    await bob.keyboard.press('Enter');
    await message(alice, 'Yes, it is on staging since 9:30.').waitFor();
    await alice.getByText('Bob is typing…').waitFor({ state: 'hidden' });

    // Shift+Enter is a new line, not a send.
    const box = alice.getByRole('textbox', { name: /^Message / });
    await box.fill('Great.');
    await box.press('Shift+Enter');
    await box.pressSequentially('I will have a look this afternoon.');
    await box.press('Enter');
    const twoLines = message(bob, 'Great. I will have a look this afternoon.');
    await twoLines.waitFor();
    expect(await twoLines.locator('.body').innerText()).toBe('Great.\nI will have a look this afternoon.');
  });

  it('sends over the WebSocket it already has: no HTTP request for a message, typing or a read mark', async () => {
    const posts: string[] = [];
    const collect = (request: Request) => {
      if (request.method() === 'POST') posts.push(String(JSON.parse(request.postData() ?? '{}').operationName));
    };
    alice.on('request', collect);
    const before = aliceFrames.length;
    await alice.getByRole('textbox', { name: /^Message / }).fill('Sent over the socket');
    await bob.getByText('Alice is typing…').waitFor();
    await alice.keyboard.press('Enter');
    await message(bob, 'Sent over the socket').waitFor();
    // The result frame is the answer: the message is shown sent, neither pending nor failed.
    await message(alice, 'Sent over the socket').and(alice.locator('.message:not(.pending):not(.failed)')).waitFor();
    await send(bob, 'Read on the socket too');
    await message(alice, 'Read on the socket too').waitFor();
    await until(
      'a read mark from Alice',
      async () => aliceFrames.slice(before).some((frame) => frame.includes('"MarkRead"')),
      (sent) => sent,
    );
    alice.off('request', collect);
    const operations = aliceFrames
      .slice(before)
      .map(
        (frame) =>
          JSON.parse(frame) as { type: string; payload?: { operationName?: string; variables?: { input?: object } } },
      )
      .filter((frame) => frame.type === 'subscribe')
      .map((frame) => frame.payload!);
    const sent = operations.find((op) => op.operationName === 'SendMessage');
    expect(sent?.variables?.input).toMatchObject({ body: 'Sent over the socket', clientMessageId: expect.any(String) });
    expect(operations.map((op) => op.operationName)).toEqual(expect.arrayContaining(['SetTyping', 'MarkRead']));
    expect(posts.filter((name) => ['SendMessage', 'SetTyping', 'MarkRead'].includes(name))).toEqual([]);
  });

  it('shows edits and deletes to the other side', async () => {
    const mine = message(bob, 'Yes, it is on staging since 9:30.');
    await mine.getByRole('button', { name: 'Edit your message' }).click();
    await bob.getByLabel('Edit message').fill('Yes, it is on staging since 9:30 (build 412).');
    await bob.getByLabel('Edit message').press('Enter');
    await message(alice, 'Yes, it is on staging since 9:30 (build 412).').getByText('(edited)').waitFor();

    await send(alice, 'Wrong room, sorry');
    await message(bob, 'Wrong room, sorry').waitFor();
    alice.once('dialog', (dialog) => void dialog.accept());
    await message(alice, 'Wrong room, sorry').getByRole('button', { name: 'Delete your message' }).click();
    await bob.getByText('Message deleted').waitFor();
    expect(await message(bob, 'Wrong room, sorry').count()).toBe(0);
  });

  it('keeps the session and the history across a reload, and pages back on scroll', async () => {
    const requests: URL[] = [];
    const collect = (request: Request) => void requests.push(new URL(request.url()));
    bob.on('request', collect);
    await bob.reload();
    await bob.getByRole('heading', { name: 'Design review' }).waitFor();
    bob.off('request', collect);
    // Queries go by their persisted document's hash alone, which the server knows.
    const history = requests.filter((url) => url.searchParams.get('operationName') === 'RoomMessages');
    expect(history.length).toBeGreaterThan(0);
    for (const url of history) {
      expect(url.searchParams.has('query')).toBe(false);
      expect(JSON.parse(url.searchParams.get('extensions')!)).toMatchObject({
        persistedQuery: { sha256Hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
      });
    }
    await message(bob, 'Great. I will have a look this afternoon.').waitFor();
    // The newest page only: the oldest messages are not there yet…
    expect(await message(bob, 'Earlier message 1').count()).toBe(0);
    expect(await messageItems(bob).count()).toBe(50);

    // …until the list is scrolled up to its start. The first older page is lost on its way: the
    // list says so, and asks again when told to.
    const olderPage = (url: URL) =>
      url.searchParams.get('operationName') === 'RoomMessages' &&
      JSON.parse(url.searchParams.get('variables') ?? '{}').before != null;
    let lost = false;
    await bob.route(olderPage, (route) => (lost ? route.fallback() : ((lost = true), route.abort('connectionreset'))));
    // Scrolled until the list says so: a scroll made before the newest page is laid out reaches
    // no start to load from (seen once under the whole suite's load).
    const lostAlert = bob.getByRole('alert').filter({ hasText: 'Older messages could not be loaded' });
    await until(
      'the older page to be told lost',
      async () => {
        await bob
          .getByRole('region', { name: 'Messages' })
          .evaluate((list) => list.scrollTo({ top: -list.scrollHeight }));
        return { lost, shown: await lostAlert.count() };
      },
      ({ shown }) => shown > 0,
    );
    expect(await message(bob, 'Earlier message 1').count()).toBe(0);
    await bob.getByRole('button', { name: 'Try again' }).click();
    await until(
      'the first message after scrolling up',
      async () => {
        const list = bob.getByRole('region', { name: 'Messages' });
        const scrolled = await list.evaluate((list) => {
          list.scrollTo({ top: -list.scrollHeight });
          return {
            top: list.scrollTop,
            height: list.scrollHeight,
            start: list.querySelector('.history-start')?.textContent,
          };
        });
        return {
          ...scrolled,
          items: await messageItems(bob).count(),
          count: await message(bob, 'Earlier message 1').count(),
        };
      },
      ({ count }) => count === 1,
    );
    await bob.getByText('This is the start of the conversation.').waitFor();
    const shown = await bodies(bob);
    expect(shown).toEqual([
      ...Array.from({ length: SEEDED }, (_, i) => `Earlier message ${i + 1}`),
      'Morning! Is the new build ready?',
      'Yes, it is on staging since 9:30 (build 412).',
      'Great.\nI will have a look this afternoon.',
      'Sent over the socket',
      'Read on the socket too',
      'Message deleted',
    ]);
  });

  it('says it is reconnecting while the socket is down, then shows what was missed, once', async () => {
    // Bob's network goes: HTTP fails, his socket is cut and cannot come back.
    bobOffline = true;
    await bobContext.setOffline(true);
    for (const socket of bobSockets.splice(0)) await cutBobSocket(socket, 'cut (test)');
    await bob.getByText('Reconnecting…').waitFor();

    const missed = ['Sent while Bob was away 1', 'Sent while Bob was away 2', 'Sent while Bob was away 3'];
    for (const text of missed) await send(alice, text);
    await message(alice, missed[2]!).waitFor();
    // An edit made meanwhile is not a new message: it is found again too.
    await message(alice, 'Morning! Is the new build ready?').getByRole('button', { name: 'Edit your message' }).click();
    await alice.getByLabel('Edit message').fill('Morning! Is build 412 ready?');
    await alice.getByLabel('Edit message').press('Enter');
    await message(alice, 'Morning! Is build 412 ready?').waitFor();
    expect(await message(bob, missed[0]!).count()).toBe(0);

    bobOffline = false;
    await bobContext.setOffline(false);
    await bob.getByText('Reconnecting…').waitFor({ state: 'hidden', timeout: WAIT_MS * 2 });
    const shown = await until(
      'the missed messages',
      () => bodies(bob),
      (texts) => missed.every((text) => texts.includes(text)),
    );
    expect(shown.slice(-missed.length)).toEqual(missed);
    expect(new Set(shown).size).toBe(shown.length);
    await message(bob, 'Morning! Is build 412 ready?').waitFor();

    // Live again.
    await send(alice, 'Welcome back.');
    await message(bob, 'Welcome back.').waitFor();
  });

  it.runIf(!!redisUrl)('shows what was sent while the server had lost Redis, without reconnecting', async () => {
    const sdk = createChatClient({ url: server.graphqlUrl });
    cleanups.push(() => sdk.close());
    await sdk.login({ username: 'alice', password: PASSWORD });
    const acknowledged = bobSocketLog.acknowledged;
    const bell = bob.getByRole('link', { name: /^Notifications/ });
    const unread = async () => Number(/(\d+) unread/.exec((await bell.getAttribute('aria-label')) ?? '')?.[1] ?? 0);
    const unreadBefore = await unread();
    const text = 'Sent while the server had lost Redis';
    const mention = '@bob this one names you';
    redisProxy!.down();
    // Stored; their events are published late or not at all (after a few failed reconnections the
    // publish gives up: the server waits for nobody's acknowledgement).
    await sdk.room(roomId).send(text);
    await sdk.room(roomId).send(mention);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    redisProxy!.up();
    // Back, the server says the pages' live events listen again, and they fetch what they missed.
    await message(bob, mention).waitFor();
    await message(alice, mention).waitFor();
    await until('the bell to count the mention', unread, (n) => n === unreadBefore + 1);
    expect(bobSocketLog.acknowledged).toBe(acknowledged);
    expect(await message(bob, text).count()).toBe(1);
  });

  it.runIf(!!redisUrl)('reads the open inbox again once notifications listen again after Redis was lost', async () => {
    const sdk = createChatClient({ url: server.graphqlUrl });
    cleanups.push(() => sdk.close());
    await sdk.login({ username: 'alice', password: PASSWORD });
    await bob.getByRole('link', { name: /^Notifications/ }).click();
    const inbox = bob.getByRole('region', { name: 'Notifications' });
    await inbox.waitFor();
    const said = '@bob the inbox was open all along';
    redisProxy!.down();
    await sdk.room(roomId).send(said);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    redisProxy!.up();
    // Its live event was never heard; the server's signal has the list read again.
    await inbox
      .getByRole('link', { name: /Alice mentioned you in Design review/ })
      .getByText(said)
      .waitFor();
    await bob.goBack();
    await bob.getByRole('heading', { name: 'Design review' }).waitFor();
  });

  it('keeps a send that failed, marked, and sends it once on Retry', async () => {
    const isSend = (body: string | null) => !!body && JSON.parse(body).operationName === 'SendMessage';
    const isSendFrame = (frame: string) => frame.includes('"type":"subscribe"') && frame.includes('"SendMessage"');
    // The network goes as the send leaves on the socket: it never reaches the server, and its
    // second try, over HTTP, fails too.
    await bob.route('**/graphql', (route) =>
      isSend(route.request().postData()) ? route.abort('internetdisconnected') : route.continue(),
    );
    bobFrames.toServer = (frame, socket) => {
      if (!isSendFrame(frame)) return false;
      bobOffline = true;
      void cutBobSocket(socket, 'network lost (test)');
      return true;
    };
    await send(bob, 'Can you hear me?');
    const failed = bob.locator('.message.failed').filter({ hasText: 'Can you hear me?' });
    await failed.getByText('Not sent').waitFor();
    expect(await message(alice, 'Can you hear me?').count()).toBe(0);
    delete bobFrames.toServer;
    bobOffline = false;
    await bob.unroute('**/graphql');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await message(alice, 'Can you hear me?').waitFor();
    await failed.waitFor({ state: 'detached' });
    expect(await message(bob, 'Can you hear me?').count()).toBe(1);

    // The server stores it, but its answer on the socket is lost with the socket: the app sends it
    // again over HTTP under the same clientMessageId, and gets the stored message back. First Bob's
    // socket must be back (the app may not show "Reconnecting…" yet when this begins).
    await until(
      'Bob’s socket acknowledged after the cut',
      async () => bobSocketLog.acknowledged > bobSocketLog.cut,
      Boolean,
    );
    await bob.getByText('Reconnecting…').waitFor({ state: 'hidden', timeout: WAIT_MS * 2 });
    const httpSends: string[] = [];
    const collect = (request: Request) => void (isSend(request.postData()) && httpSends.push(request.postData()!));
    bob.on('request', collect);
    let answerLost = false;
    bobFrames.toPage = (frame, socket) => {
      if (!frame.includes('"type":"next"') || !frame.includes('"sendMessage"')) return false;
      answerLost = true;
      void cutBobSocket(socket, 'network lost (test)');
      return true;
    };
    await send(bob, 'And now?');
    await message(alice, 'And now?').waitFor();
    await message(bob, 'And now?').and(bob.locator('.message:not(.pending)')).waitFor();
    delete bobFrames.toPage;
    bob.off('request', collect);
    expect(answerLost).toBe(true);
    expect(httpSends).toHaveLength(1);
    expect(await bob.locator('.message.failed').count()).toBe(0);
    expect(await message(bob, 'And now?').count()).toBe(1);
    expect(await message(alice, 'And now?').count()).toBe(1);

    // With no socket, sends go over HTTP, with the same guarantee when the answer is lost there.
    bobOffline = true;
    for (const socket of bobSockets.splice(0)) await cutBobSocket(socket, 'cut (test)');
    await bob.getByText('Reconnecting…').waitFor();
    await bob.route('**/graphql', async (route) => {
      if (!isSend(route.request().postData())) return route.continue();
      await route.fetch();
      await route.abort('internetdisconnected');
    });
    const lost = bob.waitForEvent('requestfailed', (request) => isSend(request.postData()));
    await send(bob, 'And over HTTP?');
    await lost;
    await message(alice, 'And over HTTP?').waitFor();
    await bob.unroute('**/graphql');
    bobOffline = false;
    await bob.getByText('Reconnecting…').waitFor({ state: 'hidden', timeout: WAIT_MS * 2 });
    // The failed send shows until the stored message comes back (caught up after reconnecting).
    await until(
      'the stored message in place of the failed send',
      () => bob.locator('.message.failed').count(),
      (n) => n === 0,
    );
    expect(await message(bob, 'And over HTTP?').count()).toBe(1);
    expect(await message(alice, 'And over HTTP?').count()).toBe(1);
  });

  it('opens a direct conversation by username, with the other one’s online dot', async () => {
    await alice.getByRole('link', { name: 'New room' }).click();
    await alice.getByLabel('Username').fill('bob');
    await alice.getByRole('button', { name: 'Open conversation' }).click();
    await alice.getByRole('heading', { name: 'Bob (online)' }).waitFor();
    // The message box names the same person as the header.
    await alice.getByRole('textbox', { name: 'Message Bob' }).waitFor();
    // It shows up in Bob's list as it happens, with Alice online.
    await bob.getByRole('link', { name: 'Rooms', exact: true }).click();
    await bob.getByRole('link', { name: /^Alice \(online\)/ }).waitFor();
    await bob.getByRole('link', { name: /Design review/ }).click();
    await bob.getByRole('heading', { name: 'Design review' }).waitFor();
  });

  it('finds public rooms in the directory and messages by full-text search', async () => {
    await alice.getByRole('link', { name: 'New room' }).click();
    await alice.getByLabel('Room name').fill('Announcements');
    await alice.getByRole('button', { name: 'Create room' }).click();
    await alice.getByRole('heading', { name: 'Announcements' }).waitFor();

    await bob.getByRole('link', { name: 'Rooms', exact: true }).click();
    await bob.getByRole('link', { name: 'Directory' }).click();
    await bob.getByLabel('Search public rooms').fill('announce');
    const rooms = bob.getByRole('list', { name: 'Public rooms' }).getByRole('listitem');
    await until(
      'the search to narrow the list',
      () => rooms.allInnerTexts(),
      (texts) => texts.length === 1,
    );
    await rooms.getByRole('button', { name: 'Join Announcements' }).click();
    await bob.getByRole('heading', { name: 'Announcements' }).waitFor();
    await alice.getByText('2 members').waitFor();

    await alice.getByRole('link', { name: 'Search' }).click();
    await alice.getByLabel('Words to find').fill('staging build');
    await alice.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = alice.getByRole('listitem').filter({ hasText: 'Yes, it is on staging since 9:30 (build 412).' });
    await hit.getByRole('link', { name: 'Design review' }).click();
    await alice.getByRole('heading', { name: 'Design review' }).waitFor();

    await bob.getByRole('link', { name: 'Rooms', exact: true }).click();
    await bob.getByRole('link', { name: /Design review/ }).click();
    await bob.getByRole('heading', { name: 'Design review' }).waitFor();
  });

  it('counts unread messages until the room is read', async () => {
    const badge = alice.getByRole('link', { name: /Design review/ }).locator('.badge');
    await alice.getByRole('link', { name: 'Search' }).click();
    await send(bob, 'Thanks! Looking at it now.');
    await until(
      'the unread count',
      () => badge.innerText().catch(() => ''),
      (text) => text.startsWith('1'),
    );
    // Opening the room shows it and marks it read.
    await alice.getByRole('link', { name: /Design review/ }).click();
    await message(alice, 'Thanks! Looking at it now.').waitFor();
    await badge.waitFor({ state: 'detached' });
    // Bob hears that Alice has read it.
    await message(bob, 'Thanks! Looking at it now.').getByText('Seen by Alice').waitFor();
  });

  it('does not mark a room read for the viewer’s own message', async () => {
    // Sending moved Bob's read position on the server already: the page asks nothing more.
    const markReads = () =>
      metric(
        server.url,
        'chat_graphql_operation_duration_seconds_count{operation="MarkRead",type="mutation",outcome="ok"} ',
      );
    const before = await markReads();
    await send(bob, 'One more thing about the review.');
    await message(bob, 'One more thing about the review.').waitFor();
    await message(alice, 'One more thing about the review.').waitFor();
    // Alice reads it (she has the room open): one markRead, hers. Bob's would follow within 300 ms.
    await until('Alice to mark it read', markReads, (n) => n > before);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await markReads()).toBe(before + 1);
  });

  it('lets the room’s owner add a webhook, shows its secret once, and lists its deliveries', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    // Bob is a member, not the owner: the panel says so.
    await bob.getByText('Webhooks', { exact: true }).click();
    await bob.getByText('Only the room’s owner can manage its webhooks').waitFor();
    await bob.getByText('Webhooks', { exact: true }).click();

    await alice.getByText('Webhooks', { exact: true }).click();
    await alice.getByText('No webhooks yet.').waitFor();
    await alice.getByLabel('URL to POST events to').fill(`${receiver.url}/design-review`);
    await alice.getByRole('checkbox', { name: 'Messages edited' }).check();
    await alice.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await alice.locator('.secret code').innerText();
    expect(secret).toMatch(/^whsec_/);
    await alice.getByText(`${receiver.url}/design-review`).waitFor();
    await alice.getByText('Active · Messages sent, Messages edited').waitFor();

    await send(bob, 'Does the hook hear this?');
    await until(
      'the webhook POST',
      () => Promise.resolve(receiver.received.length),
      (n) => n === 1,
    );
    const post = receiver.received[0]!;
    expect(verifyWebhook(secret, post.headers, post.body)).toMatchObject({
      type: 'message.created',
      data: { message: { body: 'Does the hook hear this?', author: { username: 'bob' } } },
    });
    await alice.getByRole('button', { name: 'Recent deliveries' }).click();
    const row = alice.locator('.deliveries tbody tr');
    await row.first().waitFor();
    expect(await row.first().innerText()).toMatch(/1\s+message\.created\s+delivered\s+1\s+HTTP 200/);
    // The secret is not shown again: a reload of the panel lists the webhook without it.
    await alice.getByText('Webhooks', { exact: true }).click();
    await alice.getByText('Webhooks', { exact: true }).click();
    await alice.getByText(`${receiver.url}/design-review`).waitFor();
    expect(await alice.locator('.secret').count()).toBe(0);
    await alice.getByText('Webhooks', { exact: true }).click();
  });

  it('mentions with autocomplete, reacts, replies in a thread, pins, and jumps to a searched message', async () => {
    // @ suggests the room's members; Tab takes the first.
    const box = alice.getByRole('textbox', { name: 'Message Design review' });
    await box.fill('');
    await box.pressSequentially('@bo');
    await alice.getByRole('listbox', { name: 'Members to mention' }).getByRole('option', { name: /@bob/ }).waitFor();
    await box.press('Tab');
    expect(await box.inputValue()).toBe('@bob ');
    await box.pressSequentially('can you check the logs?');
    await box.press('Enter');
    const asked = '@bob can you check the logs?';
    await message(bob, asked).locator('mark.mention.me', { hasText: '@bob' }).waitFor();
    await message(alice, asked).locator('mark.mention', { hasText: '@bob' }).waitFor();

    // Bob reacts from the picker; Alice sees the count, adds hers by clicking it.
    await message(bob, asked).getByRole('button', { name: 'React to this message' }).click();
    await message(bob, asked)
      .getByRole('group', { name: 'Pick a reaction' })
      .getByRole('button', { name: '👍' })
      .click();
    const bobsReaction = message(bob, asked).getByRole('button', { name: /👍/ });
    await until(
      'Bob’s reaction',
      () => bobsReaction.innerText(),
      (text) => text.replace(/\s+/g, ' ') === '👍 1',
    );
    expect(await bobsReaction.getAttribute('aria-pressed')).toBe('true');
    const alicesView = message(alice, asked).getByRole('button', { name: /👍/ });
    await until(
      'the reaction at Alice’s',
      () => alicesView.innerText().catch(() => ''),
      (t) => t.includes('1'),
    );
    expect(await alicesView.getAttribute('aria-pressed')).toBe('false');
    await alicesView.click();
    await until(
      'two reactions',
      () => bobsReaction.innerText(),
      (text) => text.replace(/\s+/g, ' ') === '👍 2',
    );

    // Bob answers in a thread; the reply stays out of the room's list and shows in the thread.
    await message(bob, asked).getByRole('button', { name: 'Reply in a thread' }).click();
    const bobsThread = bob.getByRole('complementary', { name: 'Thread' });
    await bobsThread.getByRole('textbox', { name: 'Reply to Alice' }).fill('On it, the logs look clean.');
    await bobsThread.getByRole('textbox', { name: 'Reply to Alice' }).press('Enter');
    await bobsThread.getByText('On it, the logs look clean.').waitFor();
    await message(alice, asked).getByRole('button', { name: '1 reply' }).click();
    const alicesThread = alice.getByRole('complementary', { name: 'Thread' });
    await alicesThread.getByText('On it, the logs look clean.').waitFor();
    await screenshot(alice, 'conversations.png');
    // In the thread only, not in the room's list.
    expect(await message(alice, 'On it, the logs look clean.').count()).toBe(0);
    await bobsThread.getByRole('button', { name: 'Close the thread' }).click();

    // Alice (the room's owner) pins it; Bob sees the pin and jumps to it.
    await message(alice, asked).getByRole('button', { name: 'Pin this message' }).click();
    await bob.getByText('Pinned (1)').click();
    await bob.getByRole('link', { name: /can you check the logs/ }).click();
    await until(
      'the pinned message highlighted',
      () => bob.locator('.message.highlight .body').allInnerTexts(),
      (t) => t.includes(asked),
    );
    await bob.getByRole('link', { name: 'Jump to newest' }).click();

    // A searched message opens in its context, highlighted, and the history pages on from there.
    await alice.getByRole('link', { name: 'Search' }).click();
    await alice.getByLabel('Words to find').fill('"Earlier message 7"');
    await alice.getByRole('button', { name: 'Search', exact: true }).click();
    await alice.getByRole('link', { name: 'Earlier message 7', exact: true }).click();
    expect(new URL(alice.url()).pathname).toBe(`/rooms/${encodeURIComponent(roomId)}/messages/7`);
    const highlighted = alice.locator('.message.highlight .body');
    await until(
      'the message highlighted',
      () => highlighted.allInnerTexts(),
      (t) => t.join() === 'Earlier message 7',
    );
    await alice.getByText('This is the start of the conversation.').waitFor();
    const shown = await bodies(alice);
    expect(shown.slice(0, 7)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `Earlier message ${n}`));
    expect(shown).not.toContain('Earlier message 40');
    await alice.getByRole('button', { name: 'Load newer messages' }).click();
    await message(alice, 'Earlier message 40').waitFor();
    await alice.getByRole('link', { name: 'Jump to newest' }).click();
    await message(alice, asked).waitFor();
  });

  it('brings a mention into the other one’s inbox live, leading to the message; collapses a blocked user’s messages', async () => {
    const bell = bob.getByRole('link', { name: /^Notifications/ });
    await bell.waitFor();
    const unread = async () => Number(/(\d+) unread/.exec((await bell.getAttribute('aria-label')) ?? '')?.[1] ?? 0);
    const before = await unread();
    await send(alice, '@bob the release notes are ready for you');
    const said = '@bob the release notes are ready for you';
    await until('the bell to count the mention', unread, (n) => n === before + 1);

    await bell.click();
    const inbox = bob.getByRole('region', { name: 'Notifications' });
    const item = inbox.getByRole('link', { name: /Alice mentioned you in Design review/ }).first();
    await item.getByText(said).waitFor();
    await item.click();
    await until(
      'the mentioned message highlighted',
      () => bob.locator('.message.highlight .body').allInnerTexts(),
      (t) => t.includes(said),
    );
    await until('the notification read', unread, (n) => n === before);
    await bob.getByRole('link', { name: 'Jump to newest' }).click();

    // Bob blocks Alice from her card; her messages collapse, and show on request.
    // (Her name shows at the start of each group of her messages.)
    await bob.locator('.message .meta:not(.visually-hidden)').getByRole('button', { name: 'Alice' }).last().click();
    await bob.getByRole('group', { name: 'About Alice' }).getByRole('button', { name: 'Block' }).click();
    const collapsed = messageItems(bob).filter({ hasText: 'Message from a blocked user' });
    await until(
      'Alice’s messages collapsed',
      () => collapsed.count(),
      (n) => n > 0,
    );
    expect(await message(bob, said).count()).toBe(0);
    const collapsedBefore = await collapsed.count();
    await send(alice, 'Can you still hear me?');
    await message(alice, 'Can you still hear me?').waitFor();
    await until(
      'the new message collapsed too',
      () => collapsed.count(),
      (n) => n > collapsedBefore,
    );
    await collapsed.last().getByRole('button', { name: 'show' }).click();
    await until(
      'the message shown',
      () => bodies(bob),
      (t) => t.includes('Can you still hear me?'),
    );
    // Mentions from a blocked user make no notification (and earlier ones from her are not counted).
    const whileBlocked = await unread();
    await send(alice, '@bob are you there?');
    await message(alice, '@bob are you there?').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await unread()).toBe(whileBlocked);

    // Unblocked from the friends page: her messages show again.
    await bob.goto(`${server.url}/friends`);
    await bob.getByRole('button', { name: 'Unblock alice' }).click();
    await bob.getByRole('button', { name: 'Unblock alice' }).waitFor({ state: 'detached' });
    await bob.goto(`${server.url}/rooms/${encodeURIComponent(roomId)}`);
    await message(bob, 'Can you still hear me?').waitFor();
    expect(await collapsed.count()).toBe(0);

    // An invitation arrives in the inbox at once, and joins from there.
    const sdk = createChatClient({ url: server.graphqlUrl });
    cleanups.push(() => sdk.close());
    await sdk.login({ username: 'alice', password: PASSWORD });
    const launch = await sdk.createRoom({ name: 'Launch plans', kind: 'PRIVATE' });
    const beforeInvite = await unread();
    await sdk.room(launch.id).invite('bob');
    await until('the invitation counted', unread, (n) => n === beforeInvite + 1);
    await bell.click();
    await bob.getByRole('button', { name: 'Join Launch plans' }).click();
    await bob.getByRole('heading', { name: 'Launch plans' }).waitFor();
    await bob.goto(`${server.url}/rooms/${encodeURIComponent(roomId)}`);
    await message(bob, 'Can you still hear me?').waitFor();

    // Bob's page has just loaded: before Alice changes, its live events must be flowing (a change
    // made while its subscription is still being set up is seen only after a reload). A message of
    // hers every second until one reaches it as a live event, not by the history's catch-up.
    let live = false;
    bobFrames.toPage = (frame) => {
      if (frame.includes('"myEvents"') && frame.includes('Checking the line')) live = true;
      return false;
    };
    let probes = 0;
    await until(
      'Bob’s live events flowing',
      async () => {
        if (!live) await sdk.room(roomId).send(`Checking the line ${++probes}`);
        return live || new Promise<boolean>((resolve) => setTimeout(() => resolve(live), 1_000));
      },
      Boolean,
    );
    delete bobFrames.toPage;

    // Alice takes a picture as her avatar and a new name: beside her messages on Bob's screen, at once.
    const heard = message(bob, 'Can you still hear me?');
    expect(await heard.locator('img.avatar').count()).toBe(0);
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const upload = await sdk.room(roomId).upload(new Blob([image], { type: 'image/png' }), { filename: 'me.png' });
    await sdk.mutate.updateProfile({ avatarAttachmentId: upload.id, displayName: 'Alice B.' });
    const group = messageItems(bob)
      .filter({ has: bob.locator('.meta:not(.visually-hidden)') })
      .last();
    await until(
      'Alice’s new avatar and name beside her messages',
      async () => ({
        name: await group.locator('.author').first().innerText(),
        width: await group
          .locator('img.avatar')
          .first()
          .evaluate((img: HTMLImageElement) => img.naturalWidth)
          .catch(() => 0),
      }),
      (seen) => seen.name === 'Alice B.' && seen.width > 0,
    );
  });

  it('says plainly when a room or a page does not exist, with the way back', async () => {
    await alice.goto(`${server.url}/rooms/not-a-room`);
    await alice.getByRole('heading', { name: 'This room cannot be shown' }).waitFor();
    await alice.getByRole('link', { name: 'Back to your rooms' }).click();
    await alice.goto(`${server.url}/no/such/page`);
    await alice.getByRole('heading', { name: 'There is no such page' }).waitFor();
    await alice.getByRole('link', { name: 'Go to your rooms' }).click();
    await alice.getByRole('link', { name: /Design review/ }).click();
    // A paste longer than a message may be is kept, counted, and cannot be sent.
    const box = alice.getByRole('textbox', { name: 'Message Design review' });
    await box.fill('x'.repeat(4_012));
    await alice.getByText('4,012 / 4,000 characters: too long to send').waitFor();
    expect(await alice.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await box.fill('');
  });

  it('lets the owner promote a moderator, who removes a message and bans a member', async () => {
    const spam = 'Cheap watches at example.test, today only';
    const carol = createChatClient({ url: server.graphqlUrl });
    cleanups.push(() => carol.close());
    await carol.register({ username: 'carol', password: PASSWORD, displayName: 'Carol' });
    await alice.getByText('Invite someone').click();
    await alice.getByLabel('Username to invite').fill('carol');
    await alice.getByRole('button', { name: 'Invite', exact: true }).click();
    await alice.getByText('Invited carol').waitFor();
    await alice.getByText('Invite someone').click();
    await carol.room(roomId).join();
    await carol.room(roomId).send(spam);
    await bob.goto(`${server.url}/rooms/${encodeURIComponent(roomId)}`);
    await message(bob, spam).waitFor();
    await message(alice, spam).waitFor();

    // Bob, a member, may report it but not delete it.
    expect(await message(bob, spam).getByRole('button', { name: 'Delete this message' }).count()).toBe(0);
    await message(bob, spam).getByRole('button', { name: 'Report this message' }).click();
    await bob.getByLabel('Why report it?').fill('Spam');
    await bob.getByLabel('Why report it?').press('Enter');
    await bob.getByText('Reported to the room\u2019s moderators.').waitFor();

    // Alice, the owner, makes Bob a moderator from the member list.
    const aliceMembers = alice.locator('.members-panel');
    await aliceMembers.getByText('Members', { exact: true }).click();
    await aliceMembers.getByRole('button', { name: 'Make Bob a moderator' }).click();
    await aliceMembers.getByRole('listitem').filter({ hasText: 'Bob' }).getByText('Moderator').waitFor();
    await aliceMembers.getByText('Members', { exact: true }).click();

    // Bob sees it live: the reports, and deleting a member's message.
    const reports = bob.locator('.reports-panel');
    await reports.getByText('Reports', { exact: true }).click();
    await reports.getByText('Reported by Bob: Spam').waitFor();
    await reports.getByText('Reports', { exact: true }).click();
    bob.once('dialog', (dialog) => void dialog.accept());
    await message(bob, spam).getByRole('button', { name: 'Delete this message' }).click();
    await until(
      'the message to go on Alice\u2019s side',
      () => message(alice, spam).count(),
      (n) => n === 0,
    );

    // And bans Carol: she leaves the list and the room, and cannot come back.
    const bobMembers = bob.locator('.members-panel');
    await bobMembers.getByText('Members', { exact: true }).click();
    await bobMembers.getByRole('button', { name: 'Ban Carol' }).click();
    await until(
      'Carol to leave the member list',
      () => bobMembers.getByRole('listitem').filter({ hasText: 'Carol' }).count(),
      (n) => n === 0,
    );
    await bobMembers.getByText('Members', { exact: true }).click();
    await alice.getByText('2 members').waitFor();
    await expect(carol.query.room({ id: roomId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(carol.room(roomId).join()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('saves screenshots of the chat on a desktop and on a phone, having thrown no error', async () => {
    await bob.getByRole('region', { name: 'Messages' }).evaluate((list) => list.scrollTo({ top: 0 }));
    await bob.getByRole('textbox', { name: /^Message / }).fill('I ');
    await alice.getByText('Bob is typing…').waitFor();
    await screenshot(alice, 'chat.png');
    await screenshot(bob, 'chat-phone.png');
    expect(pageErrors).toEqual([]);
  });
});
