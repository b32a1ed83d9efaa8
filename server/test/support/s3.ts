import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export const S3_BUCKET = 'chat';

export interface LocalS3 {
  /** The server settings that put attachments in this S3 server's bucket. */
  env: { S3_URL: string; S3_BUCKET: string; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string };
  /** The keys of the objects in the bucket now. */
  objects(): Promise<string[]>;
}

/**
 * A real S3-protocol server (s3rver, from npm) on a free loopback port with an empty bucket of its
 * own, stopped and removed by the cleanup pushed onto `cleanups`. It checks request signatures
 * with its fixed credentials, so the store's signing is exercised too.
 */
export async function startLocalS3(cleanups: (() => Promise<void>)[]): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'chat-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  const { port } = await server.run();
  cleanups.push(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });
  return {
    env: {
      S3_URL: `http://127.0.0.1:${port}`,
      S3_BUCKET,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    // s3rver keeps each object as "<key>._S3rver_object" beside its metadata files.
    async objects() {
      const files = await readdir(join(directory, S3_BUCKET), { recursive: true });
      return files
        .filter((f) => f.endsWith('._S3rver_object'))
        .map((f) => f.slice(0, -'._S3rver_object'.length))
        .sort();
    },
  };
}
