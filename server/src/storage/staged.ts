import { rm } from 'node:fs/promises';

/**
 * A file of a multipart request, streamed to a temporary file as it arrived (never held in memory):
 * what a `File` argument holds. Removed when its request has been answered.
 */
export class StagedUpload {
  constructor(
    /** The temporary file. */
    readonly path: string,
    /** The name the client gave, as given ("" when none). */
    readonly filename: string,
    /** The part's Content-Type, as the client declared it. */
    readonly declaredType: string,
    /** Bytes received (at most the limit: the rest of a bigger file is not kept). */
    readonly size: number,
    /** The file was bigger than MAX_ATTACHMENT_BYTES. */
    readonly overLimit: boolean,
  ) {}

  discard(): Promise<void> {
    return rm(this.path, { force: true });
  }
}
