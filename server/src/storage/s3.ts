import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Settings } from './s3-settings.js';
import { type AttachmentStore, contentDisposition, type Download, newObjectKey, OBJECT_KEY } from './store.js';

/**
 * Attachments in an S3-compatible bucket under `attachments/<key>`, through the AWS SDK v3. A put
 * streams the body with its length (one PutObject, which stores the object whole or not at all);
 * URLs are presigned GETs that set the response's Content-Type and Content-Disposition.
 */
export class S3Store implements AttachmentStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  /** Signs URLs (offline) for the endpoint browsers reach. */
  private readonly presigner: S3Client;
  private readonly bucket: string;

  constructor(settings: S3Settings) {
    const config: S3ClientConfig = {
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      // Checksums only where S3 requires them: the SDK's default trailing checksums use aws-chunked
      // bodies, which S3-compatible servers do not all understand.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (settings.url) config.endpoint = settings.url;
    if (settings.credentials) config.credentials = settings.credentials;
    this.client = new S3Client(config);
    this.presigner = settings.publicUrl ? new S3Client({ ...config, endpoint: settings.publicUrl }) : this.client;
    this.bucket = settings.bucket;
  }

  private objectKey(key: string): string {
    if (!OBJECT_KEY.test(key)) throw new Error('not an object key');
    return `attachments/${key}`;
  }

  async put(body: Readable | Buffer, meta: { size: number; contentType: string }): Promise<string> {
    const key = newObjectKey();
    // A body that fails midway aborts the request (the SDK would otherwise wait for the rest).
    const abort = new AbortController();
    if (!Buffer.isBuffer(body)) body.once('error', (error) => abort.abort(error));
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentLength: meta.size,
        ContentType: meta.contentType,
      }),
      { abortSignal: abort.signal },
    );
    return key;
  }

  async get(key: string): Promise<Readable | null> {
    if (!OBJECT_KEY.test(key)) return null;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return object.Body instanceof Readable ? object.Body : null;
    } catch (error) {
      if (error instanceof NoSuchKey) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  signedUrl(key: string, download: Download, expiresInMs: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: download.contentType,
      ResponseContentDisposition: contentDisposition(download),
    });
    return getSignedUrl(this.presigner, command, { expiresIn: Math.max(1, Math.round(expiresInMs / 1000)) });
  }
}
