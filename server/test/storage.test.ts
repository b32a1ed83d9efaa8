import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { LocalStore } from '../src/storage/local.js';
import { openAttachmentStore } from '../src/storage/open.js';
import type { AttachmentStore } from '../src/storage/store.js';
import { contentDisposition } from '../src/storage/store.js';
import { createDataDir } from './support/databases.js';
import { startLocalS3, type LocalS3 } from './support/s3.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const secret = Buffer.from('test-secret-test-secret-test-secret-0123456789');

/** A stream that gives `bytes` and then fails, as a cut-off upload would. */
function failingStream(bytes: Buffer): Readable {
  return new Readable({
    read() {
      this.push(bytes);
      this.destroy(new Error('connection reset'));
    },
  });
}

const storeKinds: { kind: string; open(): Promise<{ store: AttachmentStore; objects(): Promise<string[]> }> }[] = [
  {
    kind: 'local',
    async open() {
      const data = await createDataDir();
      cleanups.push(data.remove);
      const store = await openAttachmentStore(loadConfig({ DATA_DIR: data.dir }), secret);
      const objects = async () =>
        (await readdir(join(data.dir, 'attachments'), { recursive: true, withFileTypes: true }).catch(() => []))
          .filter((entry) => entry.isFile())
          .map((entry) => entry.name)
          .sort();
      return { store, objects };
    },
  },
  {
    kind: 's3',
    async open() {
      const s3: LocalS3 = await startLocalS3(cleanups);
      const store = await openAttachmentStore(loadConfig({ ...s3.env }), secret);
      return { store, objects: async () => (await s3.objects()).map((key) => key.split('/').pop()!) };
    },
  },
];

describe.each(storeKinds)('AttachmentStore ($kind)', ({ kind, open }) => {
  let store: AttachmentStore;
  let objects: () => Promise<string[]>;
  beforeAll(async () => {
    ({ store, objects } = await open());
  });

  it('stores a stream under a new key, gives it back, and deletes it', async () => {
    const bytes = randomBytes(300_000);
    const key = await store.put(Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]), {
      size: bytes.length,
      contentType: 'application/octet-stream',
    });
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(await objects()).toContain(key);
    const stream = await store.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    expect(await objects()).not.toContain(key);
    await store.delete(key); // deleting what is gone is fine
  });

  it('keys are new every time', async () => {
    const a = await store.put(Buffer.from('same'), { size: 4, contentType: 'text/plain' });
    const b = await store.put(Buffer.from('same'), { size: 4, contentType: 'text/plain' });
    expect(a).not.toBe(b);
  });

  it('leaves nothing behind when the body fails midway', async () => {
    const before = await objects();
    await expect(
      store.put(failingStream(randomBytes(64 * 1024)), { size: 1024 * 1024, contentType: 'application/pdf' }),
    ).rejects.toThrow();
    expect(await objects()).toEqual(before);
  });

  it('refuses keys that are not its own shape', async () => {
    expect(await store.get('../../etc/passwd')).toBeNull();
    await expect(store.delete('../x')).rejects.toThrow();
  });

  it.runIf(kind === 's3')('presigns a GET that serves the bytes with the headers asked for, and expires', async () => {
    const key = await store.put(Buffer.from('%PDF-1.4 hello'), { size: 14, contentType: 'application/pdf' });
    const download = { contentType: 'application/pdf', filename: 'report «2026».pdf', inline: false };
    const url = await store.signedUrl(key, download, 60_000);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/chat\/attachments\//);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('%PDF-1.4 hello');
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(contentDisposition(download));
    // (s3rver does not check SigV4 signatures, so a tampered URL is S3's own refusal, not tested
    // here; it does check expiry.) One second is the least a presigned URL lives.
    const shortLived = await store.signedUrl(key, download, 1000);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(shortLived)).status).toBe(403);
  });

  it.runIf(kind === 'local')('signs URLs that cannot be changed or moved to another file, and expire', async () => {
    const local = store as LocalStore;
    const key = await store.put(Buffer.from('hello'), { size: 5, contentType: 'text/plain' });
    const other = await store.put(Buffer.from('other'), { size: 5, contentType: 'text/plain' });
    const download = { contentType: 'text/plain', filename: 'a/b"c.txt', inline: false };
    const url = new URL(await store.signedUrl(key, download, 60_000), 'http://x');
    expect(url.pathname).toBe(`/files/${key}`);
    expect(local.verify(url)).toEqual({ key, download });
    expect(local.verify(new URL(url.href.replace(key, other)))).toBeNull();
    for (const [name, value] of [
      ['type', 'text/html'],
      ['disposition', 'inline'],
      ['name', 'x.html'],
      ['expires', '99999999999'],
      ['signature', 'AAAA'],
    ] as const) {
      const tampered = new URL(url);
      tampered.searchParams.set(name, value);
      expect(local.verify(tampered)).toBeNull();
    }
    const expired = new URL(await store.signedUrl(key, download, -2000), 'http://x');
    expect(local.verify(expired)).toBe('expired');
    expect(await text((await store.get(key))!)).toBe('hello');
  });
});

describe('S3_PUBLIC_URL', () => {
  it('presigns for the endpoint browsers reach, not the one the server uses', async () => {
    const store = await openAttachmentStore(
      loadConfig({
        S3_URL: 'http://minio:9000',
        S3_PUBLIC_URL: 'https://files.example.com',
        S3_BUCKET: 'chat',
        S3_ACCESS_KEY_ID: 'a',
        S3_SECRET_ACCESS_KEY: 'b',
      }),
      secret,
    );
    const url = await store.signedUrl(
      '0'.repeat(32),
      { contentType: 'image/png', filename: 'a.png', inline: true },
      60_000,
    );
    expect(url).toMatch(/^https:\/\/files\.example\.com\/chat\/attachments\/0{32}\?/);
  });
});

describe('contentDisposition', () => {
  it('quotes an ASCII fallback and encodes the full name', () => {
    expect(contentDisposition({ inline: false, filename: 'naïve "x".pdf' })).toBe(
      `attachment; filename="na_ve _x_.pdf"; filename*=UTF-8''na%C3%AFve%20%22x%22.pdf`,
    );
    expect(contentDisposition({ inline: true, filename: 'a.png' })).toMatch(/^inline; /);
  });
});
