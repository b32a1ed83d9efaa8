/**
 * The app's few addresses, kept in the URL so a reload (or a shared link) opens the same view:
 * `/` the room list, `/rooms/<id>` a room, `/rooms/<id>/messages/<seq>` a room around one of its
 * messages, `/directory`, `/new`, `/search`. The server answers every one of them with index.html;
 * any other path is the app's "no such page".
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'room'; roomId: string; seq: number | null }
  | { name: 'directory' }
  | { name: 'new' }
  | { name: 'search' }
  | { name: 'notifications' }
  | { name: 'friends' }
  | { name: 'profile' }
  | { name: 'notFound' };

export function parseRoute(pathname: string): Route {
  const room = /^\/rooms\/([^/]+)(?:\/messages\/([1-9][0-9]{0,9}))?\/?$/.exec(pathname);
  if (room) return { name: 'room', roomId: decodeURIComponent(room[1]!), seq: room[2] ? Number(room[2]) : null };
  if (pathname === '/' || pathname === '') return { name: 'home' };
  if (pathname === '/directory') return { name: 'directory' };
  if (pathname === '/new') return { name: 'new' };
  if (pathname === '/search') return { name: 'search' };
  if (pathname === '/notifications' || pathname === '/friends' || pathname === '/profile') {
    return { name: pathname.slice(1) as 'notifications' | 'friends' | 'profile' };
  }
  return { name: 'notFound' };
}

export const roomPath = (roomId: string) => `/rooms/${encodeURIComponent(roomId)}`;
/** A room opened around one of its messages, which is highlighted. */
export const messagePath = (roomId: string, seq: number) => `${roomPath(roomId)}/messages/${seq}`;

const NAVIGATED = 'chat:navigated';

export function navigate(path: string) {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

function subscribe(listener: () => void) {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATED, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATED, listener);
  };
}

/** The current path; its Route is `parseRoute(usePath())`. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

/** A link that changes the view without reloading the page (and opens a new tab as links do). */
export function Link({ to, onClick, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...props} />;
}
