import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { AppError, badInput, conflict } from '../errors.js';
import type { Attachment, PrismaClient } from '../generated/prisma/client.js';
import type { Config } from '../config.js';
import { describeImage, ImageRefusal, INLINE_IMAGE_TYPES, THUMBNAIL_TYPE } from '../storage/images.js';
import { sniffType } from '../storage/sniff.js';
import type { StagedUpload } from '../storage/staged.js';
import type { AttachmentStore } from '../storage/store.js';
import { requireUser } from './policy.js';
import { accessRoom, type Db } from './rooms.js';
import { parseId } from './validation.js';

/**
 * Attachments: a member uploads a file to a room (sniffed, capped, images measured and given a
 * thumbnail), then names it in one sendMessage within UNSENT_ATTACHMENT_TTL; unsent ones are swept.
 * Functions take plain arguments and the Prisma client; the bytes go to the attachment store.
 */

export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
export const FILENAME_MAX = 255;
/** UNSENT_ATTACHMENT_TTL's default: an upload may be sent for 24 hours. */
export const UNSENT_TTL_DEFAULT_MS = 24 * 3_600_000;
/** A claimed sweep that has not finished by then (its replica died) may be claimed again. */
const SWEEP_CLAIM_MS = 10 * 60_000;
const SWEEP_BATCH = 100;

export interface AttachmentDeps {
  prisma: PrismaClient;
  store: AttachmentStore;
  settings: Config['attachments'];
}

const PATH_SEPARATOR = /[/\\]/;
const CONTROL = /\p{Cc}/u;

/** A file's name as given: NFC, 1–255 characters, no path separators or control characters. */
export function parseFilename(value: string): string {
  const name = value.normalize('NFC').trim();
  if (name.length === 0) throw badInput('file', 'needs a filename');
  if ([...name].length > FILENAME_MAX) throw badInput('file', `filename must be at most ${FILENAME_MAX} characters`);
  if (PATH_SEPARATOR.test(name)) throw badInput('file', 'filename must not contain "/" or "\\"');
  if (CONTROL.test(name)) throw badInput('file', 'filename must not contain control characters');
  if (name === '.' || name === '..') throw badInput('file', 'filename must name a file');
  return name;
}

/**
 * A member who may send to the room uploads a file. Refused (BAD_USER_INPUT, field `file`) when
 * empty, over MAX_ATTACHMENT_BYTES, of a declared type its bytes disagree with, or an image over
 * MAX_IMAGE_PIXELS; nothing is stored then. The attachment is its uploader's alone until sent.
 */
export async function uploadAttachment(
  deps: AttachmentDeps,
  viewerId: string | null,
  roomId: string,
  file: StagedUpload,
): Promise<Attachment> {
  const uploaderId = requireUser(viewerId);
  const { room } = await accessRoom(deps.prisma, uploaderId, roomId, 'room.send');
  const filename = parseFilename(file.filename);
  if (file.overLimit) throw badInput('file', `is larger than ${deps.settings.maxBytes} bytes`);
  if (file.size === 0) throw badInput('file', 'is empty');
  const { type, disagrees } = await sniffType(file.path, file.declaredType);
  if (disagrees) throw badInput('file', `is ${type}, not ${file.declaredType} as declared`);
  let image: Awaited<ReturnType<typeof describeImage>> | null = null;
  if (INLINE_IMAGE_TYPES.has(type)) {
    try {
      image = await describeImage(file.path, deps.settings.maxImagePixels);
    } catch (error) {
      if (error instanceof ImageRefusal) throw badInput('file', error.message);
      throw error;
    }
  }
  const stored: string[] = [];
  try {
    const storageKey = await deps.store.put(createReadStream(file.path), { size: file.size, contentType: type });
    stored.push(storageKey);
    const thumbnailKey = image
      ? await deps.store.put(image.thumbnail, { size: image.thumbnail.length, contentType: THUMBNAIL_TYPE })
      : null;
    if (thumbnailKey) stored.push(thumbnailKey);
    return await deps.prisma.attachment.create({
      data: {
        id: randomUUID(),
        roomId: room.id,
        uploaderId,
        filename,
        contentType: type,
        size: file.size,
        width: image?.width ?? null,
        height: image?.height ?? null,
        storageKey,
        thumbnailKey,
      },
    });
  } catch (error) {
    await Promise.allSettled(stored.map((key) => deps.store.delete(key)));
    throw error;
  }
}

/** The attachment ids of a sendMessage: at most 10, no repeats, each a raw UUID. */
export function parseAttachmentIds(ids: readonly string[] | null | undefined): string[] {
  if (!ids || ids.length === 0) return [];
  if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) {
    throw badInput('attachmentIds', `may name at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`);
  }
  const parsed = ids.map((id) => parseId('attachmentIds', id));
  if (new Set(parsed).size !== parsed.length) throw badInput('attachmentIds', 'must not name an attachment twice');
  return parsed;
}

/**
 * Whether the author may attach these uploads to a message in the room: each exists, is theirs
 * (FORBIDDEN otherwise), of this room, not sent yet and not older than UNSENT_ATTACHMENT_TTL.
 */
export async function assertAttachable(
  prisma: Db,
  settings: Pick<Config['attachments'], 'unsentTtlMs'>,
  authorId: string,
  roomId: string,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  const rows = await prisma.attachment.findMany({ where: { id: { in: ids } } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const oldest = Date.now() - settings.unsentTtlMs;
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) throw new AppError('NOT_FOUND', 'Attachment not found', { field: 'attachmentIds' });
    if (row.uploaderId !== authorId) {
      throw new AppError('FORBIDDEN', 'Only the uploader can send this attachment', { field: 'attachmentIds' });
    }
    if (row.roomId !== roomId) throw badInput('attachmentIds', 'names an attachment uploaded to another room');
    if (row.messageId) throw badInput('attachmentIds', 'names an attachment that was already sent');
    if (row.createdAt.getTime() < oldest || row.sweepClaimedAt) {
      throw badInput('attachmentIds', 'names an attachment that has expired; upload it again');
    }
  }
}

/**
 * Attaches the uploads to a just-stored message, in the transaction that stored it, in the order
 * named, and returns them. If any of them was sent or swept meanwhile, CONFLICT, and the transaction
 * (the message with it) rolls back.
 */
export async function attachToMessage(
  tx: Db,
  settings: Pick<Config['attachments'], 'unsentTtlMs'>,
  message: { id: string; roomId: string; authorId: string },
  ids: string[],
): Promise<Attachment[]> {
  const since = new Date(Date.now() - settings.unsentTtlMs);
  const updates = await Promise.all(
    ids.map((id, position) =>
      tx.attachment.updateMany({
        where: {
          id,
          uploaderId: message.authorId,
          roomId: message.roomId,
          messageId: null,
          sweepClaimedAt: null,
          createdAt: { gte: since },
        },
        data: { messageId: message.id, position },
      }),
    ),
  );
  if (updates.some(({ count }) => count !== 1)) {
    throw conflict('An attachment was sent or removed meanwhile', 'attachmentIds');
  }
  return tx.attachment.findMany({ where: { messageId: message.id }, orderBy: { position: 'asc' } });
}

export type AttachmentFile = 'file' | 'thumbnail';

/** The signed download URL of an attachment's file or thumbnail (null: an attachment without one). */
export async function downloadUrl(
  deps: Pick<AttachmentDeps, 'store' | 'settings'>,
  attachment: Pick<Attachment, 'storageKey' | 'thumbnailKey' | 'contentType' | 'filename'>,
  file: AttachmentFile,
): Promise<string | null> {
  if (file === 'thumbnail') {
    if (!attachment.thumbnailKey) return null;
    const name = `${attachment.filename.replace(/\.[^.]*$/, '')}.thumbnail.webp`;
    return deps.store.signedUrl(
      attachment.thumbnailKey,
      { contentType: THUMBNAIL_TYPE, filename: name, inline: true },
      deps.settings.urlTtlMs,
    );
  }
  return deps.store.signedUrl(
    attachment.storageKey,
    {
      contentType: attachment.contentType,
      filename: attachment.filename,
      inline: INLINE_IMAGE_TYPES.has(attachment.contentType),
    },
    deps.settings.urlTtlMs,
  );
}

/**
 * Whether a stored object may still be served: it is the file or thumbnail of an attachment of a
 * message that is not deleted. (Unsent uploads are not served either.)
 */
export async function isServable(prisma: Db, key: string): Promise<boolean> {
  const found = await prisma.attachment.findFirst({
    where: {
      OR: [{ storageKey: key }, { thumbnailKey: key }],
      message: { deletedAt: null },
    },
    select: { id: true },
  });
  if (found) return true;
  // A user's avatar (chat/people.ts) is served too.
  return (await prisma.user.findUnique({ where: { avatarKey: key }, select: { id: true } })) !== null;
}

/**
 * Removes unsent uploads older than UNSENT_ATTACHMENT_TTL, objects first, then rows. Safe on many
 * replicas at once: each run claims its rows (FOR UPDATE SKIP LOCKED, then a claim time), so no two
 * take the same; a claim whose replica died lapses after 10 minutes and is taken again. A claimed
 * upload can no longer be sent (attachToMessage refuses it). Returns how many were removed.
 */
export async function sweepUnsent(deps: AttachmentDeps): Promise<number> {
  let removed = 0;
  for (;;) {
    const claimed = await deps.prisma.$queryRaw<{ id: string; storageKey: string; thumbnailKey: string | null }[]>`
      UPDATE attachments SET sweep_claimed_at = now()
      WHERE id IN (
        SELECT id FROM attachments
        WHERE message_id IS NULL
          AND created_at < now() - make_interval(secs => ${deps.settings.unsentTtlMs / 1000}::float8)
          AND (sweep_claimed_at IS NULL
               OR sweep_claimed_at < now() - make_interval(secs => ${SWEEP_CLAIM_MS / 1000}::float8))
        LIMIT ${SWEEP_BATCH}
        FOR UPDATE SKIP LOCKED
      ) AND message_id IS NULL
      RETURNING id, storage_key AS "storageKey", thumbnail_key AS "thumbnailKey"`;
    if (claimed.length === 0) return removed;
    for (const row of claimed) {
      await deps.store.delete(row.storageKey);
      if (row.thumbnailKey) await deps.store.delete(row.thumbnailKey);
    }
    const { count } = await deps.prisma.attachment.deleteMany({
      where: { id: { in: claimed.map((row) => row.id) }, messageId: null },
    });
    removed += count;
    if (claimed.length < SWEEP_BATCH) return removed;
  }
}
