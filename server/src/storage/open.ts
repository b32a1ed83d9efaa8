import type { Config } from '../config.js';
import { LocalStore } from './local.js';
import type { AttachmentStore } from './store.js';

/**
 * The store the settings choose: S3 when a bucket is set, local disk under DATA_DIR otherwise. The
 * AWS SDK (about 15 MiB resident) is loaded only for S3.
 */
export async function openAttachmentStore(
  config: Pick<Config, 'attachments' | 'dataDir'>,
  secret: string | Buffer,
): Promise<AttachmentStore> {
  const { s3 } = config.attachments;
  if (!s3) return new LocalStore(config.dataDir, secret);
  const { S3Store } = await import('./s3.js');
  return new S3Store(s3);
}
