import type { Config } from '../config.js';
import { LocalStore } from './local.js';
import { S3Store } from './s3.js';
import type { AttachmentStore } from './store.js';

/** The store the settings choose: S3 when a bucket is set, local disk under DATA_DIR otherwise. */
export function openAttachmentStore(
  config: Pick<Config, 'attachments' | 'dataDir'>,
  secret: string | Buffer,
): AttachmentStore {
  const { s3 } = config.attachments;
  return s3 ? new S3Store(s3) : new LocalStore(config.dataDir, secret);
}
