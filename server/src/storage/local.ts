import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type AttachmentStore, type Download, newObjectKey, OBJECT_KEY } from './store.js';

/** The path of local downloads: `/files/<key>?…` (served by http/use-attachments.ts). */
export const LOCAL_FILES_PATH = '/files/';

/**
 * Attachments on local disk under `<DATA_DIR>/attachments/<first two hex digits>/<key>`. Writes go
 * to a `.part` file renamed into place, so a file is there whole or not at all. URLs are relative
 * (`/files/<key>?…`), signed with an HMAC key derived from the server's secret over the key, the
 * expiry and the response headers, so no part of one can be changed or moved to another file.
 */
export class LocalStore implements AttachmentStore {
  readonly kind = 'local';
  private readonly root: string;
  private readonly signingKey: Buffer;

  constructor(dataDir: string, secret: string | Buffer) {
    this.root = resolve(dataDir, 'attachments');
    this.signingKey = createHmac('sha256', secret).update('attachment urls').digest();
  }

  private pathOf(key: string): string {
    if (!OBJECT_KEY.test(key)) throw new Error('not an object key');
    return join(this.root, key.slice(0, 2), key);
  }

  async put(body: Readable | Buffer, _meta: { size: number; contentType: string }): Promise<string> {
    const key = newObjectKey();
    const path = this.pathOf(key);
    const part = `${path}.part`;
    await mkdir(join(this.root, key.slice(0, 2)), { recursive: true });
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(part, { flags: 'wx' }));
      await rename(part, path);
    } catch (error) {
      await rm(part, { force: true });
      throw error;
    }
    return key;
  }

  async get(key: string): Promise<Readable | null> {
    if (!OBJECT_KEY.test(key)) return null;
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch {
      return null;
    }
    return createReadStream(path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async signedUrl(key: string, download: Download, expiresInMs: number): Promise<string> {
    const expires = Math.ceil((Date.now() + expiresInMs) / 1000);
    const params = new URLSearchParams({
      expires: String(expires),
      type: download.contentType,
      disposition: download.inline ? 'inline' : 'attachment',
      name: download.filename,
    });
    params.set('signature', this.sign(key, params));
    return `${LOCAL_FILES_PATH}${key}?${params}`;
  }

  /**
   * What a `/files/<key>?…` URL serves: the key and the download, 'expired' past its expiry, or
   * null when it is not a URL this server signed (tampered, or another file's).
   */
  verify(url: URL): { key: string; download: Download } | 'expired' | null {
    const key = url.pathname.slice(LOCAL_FILES_PATH.length);
    const params = url.searchParams;
    const signature = params.get('signature');
    const expires = Number(params.get('expires'));
    const type = params.get('type');
    const disposition = params.get('disposition');
    const name = params.get('name');
    if (!OBJECT_KEY.test(key) || !signature || !type || !name || !Number.isInteger(expires)) return null;
    if (disposition !== 'inline' && disposition !== 'attachment') return null;
    const expected = Buffer.from(this.sign(key, params));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (expires * 1000 < Date.now()) return 'expired';
    return { key, download: { contentType: type, filename: name, inline: disposition === 'inline' } };
  }

  private sign(key: string, params: URLSearchParams): string {
    const signed = ['expires', 'type', 'disposition', 'name'].map((name) => params.get(name) ?? '');
    return createHmac('sha256', this.signingKey)
      .update(JSON.stringify([key, ...signed]))
      .digest('base64url');
  }
}
