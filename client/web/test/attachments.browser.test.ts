// Attachments in the web app, in Debian's Chromium against a real server (PostgreSQL when
// DATABASE_URL is set), once with the local-disk store and once with an S3 server (s3rver) on
// another origin, which the page's content security policy must let images come from. Alice
// attaches an image and a PDF (and takes a third file back out), pastes a screenshot, drops a
// picture on the conversation, watches a slow upload's progress, opens the lightbox, and downloads
// the PDF; Bob, over the SDK, gets the same files. Signed URLs live 12 s here, so the test also
// sees expired ones renewed. `npm run screenshots` saves docs/attachments.png.
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataDir, freshDatabaseEnv } from '../../../server/test/support/databases.js';
import { chromiumPresent, launchChromium, screenshot } from '../../../server/test/support/chromium.js';
import { startLocalS3 } from '../../../server/test/support/s3.js';
import { startServer, type TestServer } from '../../../server/test/support/server.js';
import { createChatClient, type ChatClient } from '../../sdk/src/index.js';

const PASSWORD = 'correct horse battery';
const WAIT_MS = 15_000;
const URL_TTL_MS = 12_000;
const MAX_BYTES = 256 * 1024;

const picture = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** The listed messages of the open room. */
const messageItems = (page: Page) => page.getByRole('region', { name: 'Messages' }).getByRole('listitem');
const messageWith = (page: Page, text: string) =>
  messageItems(page).filter({ has: page.locator('.body').getByText(text, { exact: true }) });

/** Waits until `check` holds, failing with the last answer. */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Where the files go: the local disk (served by the server itself), or an S3 server on another origin. */
const stores = [{ store: 'local disk' }, { store: 'S3' }] as const;

describe.runIf(chromiumPresent()).each(stores)('attachments in the web app, on $store', ({ store }) => {
  const cleanups: (() => Promise<void>)[] = [];
  let server: TestServer;
  let browser: Browser;
  let alice: Page;
  let bob: ChatClient;
  let roomId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The files go to a data directory of the test's own, whichever database runs.
    const data = await createDataDir();
    cleanups.push(data.remove);
    server = await startServer({
      DATA_DIR: data.dir,
      ...(await freshDatabaseEnv(cleanups)),
      ...(store === 'S3' ? (await startLocalS3(cleanups)).env : {}),
      TRUSTED_DOCUMENTS_ONLY: 'true',
      ATTACHMENT_URL_TTL: `${URL_TTL_MS}ms`,
      MAX_ATTACHMENT_BYTES: String(MAX_BYTES),
    });
    cleanups.push(() => server.stop());
    browser = await launchChromium();
    cleanups.push(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    alice = await context.newPage();
    alice.setDefaultTimeout(WAIT_MS);
    alice.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('signs Alice up in the browser, opens a room, and has Bob join it', async () => {
    await alice.goto(server.url);
    await alice.getByRole('button', { name: 'Create an account' }).click();
    await alice.getByLabel('Username').fill('alice');
    await alice.getByLabel('Display name').fill('Alice');
    await alice.getByLabel('Password').fill(PASSWORD);
    await alice.getByRole('button', { name: 'Create an account' }).click();
    await alice.getByText('Signed in as').waitFor();
    await alice.getByRole('link', { name: 'New room' }).click();
    await alice.getByLabel('Room name').fill('Screens');
    await alice.getByRole('button', { name: 'Create room' }).click();
    await alice.getByRole('heading', { name: 'Screens' }).waitFor();
    roomId = decodeURIComponent(new URL(alice.url()).pathname.split('/').pop()!);

    bob = createChatClient({ url: server.graphqlUrl });
    cleanups.push(() => bob.close());
    await bob.register({ username: 'bob', password: PASSWORD });
    await bob.room(roomId).join();
    await alice.getByText('2 members').waitFor();
  });

  it('attaches an image and a PDF with the button, takes a third file back out, and sends them', async () => {
    const chooser = alice.waitForEvent('filechooser');
    await alice.getByRole('button', { name: 'Attach files' }).click();
    await (
      await chooser
    ).setFiles([
      { name: 'photo.png', mimeType: 'image/png', buffer: await picture(640, 400, '#3366cc') },
      { name: 'spec.pdf', mimeType: 'application/pdf', buffer: PDF },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not this one\n') },
    ]);
    const pending = alice.getByRole('list', { name: 'Files to send' }).getByRole('listitem');
    await until(
      'three uploads',
      () => pending.allInnerTexts(),
      (texts) => texts.length === 3 && texts.every((text) => text.includes('Ready')),
    );
    await alice.getByRole('button', { name: 'Remove notes.txt' }).click();
    expect(await pending.count()).toBe(2);

    const box = alice.getByRole('textbox', { name: 'Message Screens' });
    await box.fill('The new screen, and the spec');
    await box.press('Enter');
    const sent = messageWith(alice, 'The new screen, and the spec');
    await sent.waitFor();
    await alice.getByRole('list', { name: 'Files to send' }).waitFor({ state: 'detached' });

    // The thumbnail is a real picture, at most 320 px on its long side.
    const thumbnail = sent.getByRole('button', { name: /photo\.png/ }).locator('img');
    const size = await until(
      'the thumbnail to load',
      () => thumbnail.evaluate((img: HTMLImageElement) => ({ width: img.naturalWidth, height: img.naturalHeight })),
      (s) => s.width > 0,
    );
    expect(size).toEqual({ width: 320, height: 200 });
    // The PDF is a download link with its name, type and size, served as an attachment.
    const link = sent.getByRole('link', { name: /spec\.pdf/ });
    expect((await link.innerText()).replace(/\s+/g, ' ')).toMatch(/spec\.pdf PDF · \d+ bytes/);
    const response = await alice.request.get(new URL((await link.getAttribute('href'))!, server.url).href);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-disposition']).toMatch(/^attachment;.*spec\.pdf/);
    // (An S3 server sends its own headers; the local store adds nosniff to every download.)
    if (store === 'local disk') expect(response.headers()['x-content-type-options']).toBe('nosniff');
    expect(Buffer.from(await response.body()).equals(PDF)).toBe(true);

    // Bob gets them too, in the order attached (the message shows before its send is answered).
    const history = await until(
      'the message in the history',
      () => bob.room(roomId).history(),
      (page) => page.edges.at(-1)?.node.body === 'The new screen, and the spec',
    );
    const mine = history.edges.at(-1)!.node;
    expect(mine.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['photo.png', 'image/png'],
      ['spec.pdf', 'application/pdf'],
    ]);
  });

  it('opens the full image in a lightbox that Escape closes', async () => {
    const sent = messageWith(alice, 'The new screen, and the spec');
    const thumb = sent.getByRole('button', { name: /photo\.png/ });
    await thumb.click();
    const lightbox = alice.getByRole('dialog', { name: 'photo.png' });
    await lightbox.waitFor();
    const full = lightbox.getByRole('img', { name: 'photo.png' });
    await until(
      'the full image',
      () => full.evaluate((img: HTMLImageElement) => img.naturalWidth),
      (width) => width === 640,
    );
    await alice.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });
    expect(await thumb.evaluate((button) => button === document.activeElement)).toBe(true);
  });

  it('attaches a pasted screenshot and a dropped picture; a message may be files alone', async () => {
    const box = alice.getByRole('textbox', { name: 'Message Screens' });
    const pasted = [...(await picture(200, 300, '#cc3366'))];
    await box.evaluate((textarea, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, pasted);
    const pending = alice.getByRole('list', { name: 'Files to send' }).getByRole('listitem');
    await pending.filter({ hasText: 'Ready' }).waitFor();
    expect(await box.inputValue()).toBe('');
    // Its preview, from the page's own copy (the content security policy allows blob: images).
    await until(
      'the preview',
      () => pending.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth),
      (width) => width === 200,
    );
    // The conversation with an image and a PDF, and a pasted screenshot ready to go.
    if (store === 'local disk') await screenshot(alice, 'attachments.png');
    await box.press('Enter');
    const alone = messageItems(alice).filter({ has: alice.getByRole('button', { name: /image\.png/ }) });
    await alone.waitFor();
    expect(await alone.locator('.body').count()).toBe(0);

    // Dropped onto the conversation, it goes to the message box.
    const dropped = [...(await picture(300, 300, '#33cc66'))];
    const transfer = await alice.evaluateHandle((bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
      return data;
    }, dropped);
    const conversation = alice.getByRole('region', { name: 'Messages' });
    await conversation.dispatchEvent('dragenter', { dataTransfer: transfer });
    await alice.getByText('Drop files to attach them to your message').waitFor();
    await conversation.dispatchEvent('dragover', { dataTransfer: transfer });
    await conversation.dispatchEvent('drop', { dataTransfer: transfer });
    await alice.getByText('Drop files to attach them to your message').waitFor({ state: 'detached' });
    await pending.filter({ hasText: 'dropped.png' }).filter({ hasText: 'Ready' }).waitFor();
    await box.fill('Dropped in');
    await box.press('Enter');
    const withDrop = messageWith(alice, 'Dropped in');
    await until(
      'the dropped picture’s thumbnail',
      () => withDrop.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth),
      (width) => width === 300,
    );
  });

  it('shows each upload’s progress, and cannot send until it is done', async () => {
    // Uploads crawl at 64 KB/s, so a 160 KB file takes a couple of seconds.
    const cdp = await alice.context().newCDPSession(alice);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 64 * 1024,
    });
    const chooser = alice.waitForEvent('filechooser');
    await alice.getByRole('button', { name: 'Attach files' }).click();
    const slow = await sharp({
      create: {
        width: 250,
        height: 250,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(slow.length).toBeGreaterThan(120 * 1024);
    await (await chooser).setFiles([{ name: 'noise.png', mimeType: 'image/png', buffer: slow }]);
    const progress = alice.getByRole('progressbar', { name: 'Uploading noise.png' });
    const partway = await until(
      'the upload partway',
      () => progress.getAttribute('value').then(Number),
      (value) => value > 0 && value < 100,
    );
    expect(partway).toBeGreaterThan(0);
    const box = alice.getByRole('textbox', { name: 'Message Screens' });
    await box.fill('Noise');
    expect(await alice.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await cdp.detach();
    await alice
      .getByRole('list', { name: 'Files to send' })
      .getByRole('listitem')
      .filter({ hasText: 'noise.png' })
      .filter({ hasText: 'Ready' })
      .waitFor();
    await box.press('Enter');
    await messageWith(alice, 'Noise')
      .getByRole('button', { name: /noise\.png/ })
      .waitFor();
  });

  it('says why a file is refused, and will not send until it is removed', async () => {
    const chooser = alice.waitForEvent('filechooser');
    await alice.getByRole('button', { name: 'Attach files' }).click();
    await (
      await chooser
    ).setFiles([{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_BYTES + 1, 7) }]);
    await alice.getByText(/Not uploaded: .*larger than/).waitFor();
    const box = alice.getByRole('textbox', { name: 'Message Screens' });
    await box.fill('Is this too big?');
    expect(await alice.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await alice.getByRole('button', { name: 'Remove big.bin' }).click();
    expect(await alice.getByRole('button', { name: 'Send' }).isDisabled()).toBe(false);
    await box.fill('');
  });

  it('renews links that expired: the lightbox and the download still work', async () => {
    const sent = messageWith(alice, 'The new screen, and the spec');
    const link = sent.getByRole('link', { name: /spec\.pdf/ });
    const stale = (await link.getAttribute('href'))!;
    // The link as shown has expired.
    await until(
      'the signed link to expire',
      () => alice.request.get(new URL(stale, server.url).href).then((r) => r.status()),
      (status) => status === 403,
      URL_TTL_MS + WAIT_MS,
    );
    const download = alice.waitForEvent('download');
    await link.click();
    expect((await download).suggestedFilename()).toBe('spec.pdf');
    expect(await link.getAttribute('href')).not.toBe(stale);

    await sent.getByRole('button', { name: /photo\.png/ }).click();
    const full = alice.getByRole('dialog', { name: 'photo.png' }).getByRole('img', { name: 'photo.png' });
    await until(
      'the full image',
      () => full.evaluate((img: HTMLImageElement) => img.naturalWidth),
      (width) => width === 640,
    );
    await alice.getByRole('button', { name: 'Close' }).click();
    expect(pageErrors).toEqual([]);
  });
});
