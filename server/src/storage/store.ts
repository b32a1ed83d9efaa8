import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * Where attachments' bytes live, behind one small interface: local disk under DATA_DIR (the
 * embedded default) or S3-compatible object storage. Keys are made by the store (random, so a
 * key says nothing and cannot be guessed); the database keeps them beside the attachment's row.
 */
export interface AttachmentStore {
  readonly kind: 'local' | 's3';
  /** Stores `size` bytes of `body` under a new key and returns it; a failed put leaves nothing. */
  put(body: Readable | Buffer, meta: { size: number; contentType: string }): Promise<string>;
  /** The object's bytes, or null when there is no such object. */
  get(key: string): Promise<Readable | null>;
  /** A URL that downloads the object, with these response headers, until `expiresInMs` from now. */
  signedUrl(key: string, download: Download, expiresInMs: number): Promise<string>;
  /** Removes the object; removing one that is not there is fine. */
  delete(key: string): Promise<void>;
}

/** How a download is served. */
export interface Download {
  contentType: string;
  filename: string;
  /** Shown in the browser (raster images only); everything else is `Content-Disposition: attachment`. */
  inline: boolean;
}

/** A new object key: 32 hex digits. */
export const newObjectKey = () => randomUUID().replaceAll('-', '');
export const OBJECT_KEY = /^[0-9a-f]{32}$/;

/**
 * The Content-Disposition of a download: the name as a quoted ASCII fallback (anything else
 * replaced by "_") and, for the rest of Unicode, RFC 5987's `filename*`.
 */
export function contentDisposition({ inline, filename }: Pick<Download, 'inline' | 'filename'>): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${inline ? 'inline' : 'attachment'}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
