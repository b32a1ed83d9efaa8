/**
 * Messages whose send failed, kept (per room) until they are sent again or discarded. A retry sends
 * the same clientMessageId, so a send that did reach the server is never stored twice.
 */
import { useSyncExternalStore } from 'react';
import { session } from './session';

export interface FailedSend {
  roomId: string;
  clientMessageId: string;
  body: string;
  /** The files it was to carry (uploaded already: a retry names them again). */
  attachmentIds?: string[];
  error: string;
}

let failed: readonly FailedSend[] = [];
const listeners = new Set<() => void>();

function set(next: readonly FailedSend[]) {
  failed = next;
  for (const listener of listeners) listener();
}

export const outbox = {
  add: (send: FailedSend) => set([...failed.filter((f) => f.clientMessageId !== send.clientMessageId), send]),
  remove: (clientMessageId: string) => set(failed.filter((f) => f.clientMessageId !== clientMessageId)),
};

// Nothing of one user's stays for the next.
session.subscribe(() => {
  if (!session.viewer() && failed.length) set([]);
});

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function useFailedSends(roomId: string): FailedSend[] {
  const all = useSyncExternalStore(subscribe, () => failed);
  return all.filter((send) => send.roomId === roomId);
}

/** An idempotency key; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newClientMessageId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
