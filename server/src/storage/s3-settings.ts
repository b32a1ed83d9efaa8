// What an S3 store is configured with, and what follows from it without the AWS SDK (which
// storage/s3.ts loads, only when a bucket is set).

export interface S3Settings {
  /** The endpoint (unset: AWS's own for the region). */
  url: string | undefined;
  /** The endpoint as browsers reach it, when not `url` (presigned URLs are made for it). */
  publicUrl: string | undefined;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

/**
 * The origin of the presigned URLs browsers are given: the public endpoint (or the endpoint),
 * with the bucket in the host unless path-style; AWS's own regional endpoint when none is set.
 * The web app's content security policy lets images load from it.
 */
export function presignedOrigin(
  settings: Pick<S3Settings, 'url' | 'publicUrl' | 'bucket' | 'region' | 'forcePathStyle'>,
): string {
  const endpoint = new URL(settings.publicUrl ?? settings.url ?? `https://s3.${settings.region}.amazonaws.com`);
  if (!settings.forcePathStyle) endpoint.host = `${settings.bucket}.${endpoint.host}`;
  return endpoint.origin;
}
