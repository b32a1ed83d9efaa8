/**
 * The files waiting to go with the next message of a message box, each uploaded as soon as it is
 * picked, dropped or pasted: its progress, its result, or why it failed. Kept per box (a room's,
 * or a thread's) outside React, so that a drop onto the conversation reaches the room's box.
 */
import { useSyncExternalStore } from 'react';
import { errorText } from '../components/errors';
import { ApiError, session } from '../session';
import { MAX_ATTACHMENTS, uploadAttachment, type Attachment } from './data';

export interface PendingAttachment {
  /** This page's own id for it. */
  key: string;
  name: string;
  size: number;
  type: string;
  /** An object URL of the file, for images: its preview before (and while) it uploads. */
  previewUrl: string | null;
  loaded: number;
  status: 'uploading' | 'uploaded' | 'failed';
  error: string | null;
  attachment: Attachment | null;
}

export interface Draft {
  items: readonly PendingAttachment[];
  /** Why some files were not taken (too many). */
  notice: string | null;
}

const EMPTY: Draft = { items: [], notice: null };
let drafts = new Map<string, Draft>();
const aborts = new Map<string, () => void>();
const listeners = new Set<() => void>();
let nextKey = 1;

function update(draftKey: string, change: (draft: Draft) => Draft) {
  const next = change(drafts.get(draftKey) ?? EMPTY);
  drafts = new Map(drafts);
  if (next.items.length === 0 && next.notice === null) drafts.delete(draftKey);
  else drafts.set(draftKey, next);
  for (const listener of listeners) listener();
}

function patch(draftKey: string, key: string, change: Partial<PendingAttachment>) {
  update(draftKey, (draft) => ({
    ...draft,
    items: draft.items.map((item) => (item.key === key ? { ...item, ...change } : item)),
  }));
}

const forget = (item: PendingAttachment) => {
  aborts.get(item.key)?.();
  aborts.delete(item.key);
  if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
};

/** The draft key of a room's message box, or of a thread's. */
export const draftKeyOf = (roomId: string, threadRootId?: string) =>
  threadRootId ? `${roomId}#${threadRootId}` : roomId;

/** Starts uploading `files` for the box's next message; past 10 in all, the rest are left out, saying so. */
export function attachFiles(draftKey: string, roomId: string, files: readonly File[]) {
  if (files.length === 0) return;
  const room = MAX_ATTACHMENTS - (drafts.get(draftKey) ?? EMPTY).items.length;
  const taken = files.slice(0, Math.max(0, room));
  const left = files.length - taken.length;
  const items = taken.map((file): PendingAttachment => ({
    key: `upload-${nextKey++}`,
    name: file.name || 'file',
    size: file.size,
    type: file.type,
    previewUrl: /^image\//.test(file.type) ? URL.createObjectURL(file) : null,
    loaded: 0,
    status: 'uploading',
    error: null,
    attachment: null,
  }));
  update(draftKey, (draft) => ({
    items: [...draft.items, ...items],
    notice:
      left > 0
        ? `A message can carry ${MAX_ATTACHMENTS} files: ${left} ${left === 1 ? 'was' : 'were'} left out.`
        : null,
  }));
  taken.forEach((file, i) => {
    const { key } = items[i]!;
    const upload = uploadAttachment(roomId, file, ({ loaded }) => patch(draftKey, key, { loaded }));
    aborts.set(key, upload.abort);
    upload.done.then(
      (attachment) => {
        aborts.delete(key);
        patch(draftKey, key, { status: 'uploaded', loaded: file.size, attachment });
      },
      (error: unknown) => {
        aborts.delete(key);
        if (error instanceof ApiError && error.code === 'ABORTED') return;
        patch(draftKey, key, {
          status: 'failed',
          error: error instanceof ApiError ? errorText(error) : 'The upload failed; try again.',
        });
      },
    );
  });
}

/** Takes a file out of the next message (stopping its upload). */
export function removeAttachment(draftKey: string, key: string) {
  const item = (drafts.get(draftKey) ?? EMPTY).items.find((i) => i.key === key);
  if (item) forget(item);
  update(draftKey, (draft) => ({ items: draft.items.filter((i) => i.key !== key), notice: null }));
}

/** Empties the box's files (they were sent). */
export function clearAttachments(draftKey: string) {
  for (const item of (drafts.get(draftKey) ?? EMPTY).items) forget(item);
  update(draftKey, () => EMPTY);
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function useDraft(draftKey: string): Draft {
  return useSyncExternalStore(subscribe, () => drafts.get(draftKey) ?? EMPTY);
}

/** What the box can send: the uploaded attachments, once none is still uploading or failed. */
export function readiness(draft: Draft): { ready: boolean; attachments: Attachment[] } {
  const ready = draft.items.every((item) => item.status === 'uploaded');
  return { ready, attachments: draft.items.flatMap((item) => (item.attachment ? [item.attachment] : [])) };
}

// Nothing of one user's stays for the next.
session.subscribe(() => {
  if (session.viewer() || drafts.size === 0) return;
  for (const key of [...drafts.keys()]) clearAttachments(key);
});
