import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useQuery, useSubscription } from 'urql';
import type { ChatClient, Connection } from '../client';
import {
  MyEventsSubscriptionDocument,
  NO_LIVE_STATE,
  OnlineCountSubscriptionDocument,
  reduceLive,
  type LiveState,
} from '../live';
import { BlockedContext, BlockedUsersQuery } from '../people';
import { Link, parseRoute, usePath } from '../router';
import type { Viewer } from '../session';
import { Bell } from './Bell';
import { Directory } from './Directory';
import { Friends } from './Friends';
import { Inbox } from './Inbox';
import { Profile } from './Profile';
import { NewRoom } from './NewRoom';
import { RoomView } from './RoomView';
import { Search } from './Search';
import { Sidebar } from './Sidebar';

/**
 * The signed-in app: the top bar (online count, connection state), the sidebar of the viewer's
 * rooms and the current view. It holds the two subscriptions everything live comes through:
 * myEvents (every event of every room of the viewer) and onlineCount.
 */
export function Chat({ viewer, connection }: { viewer: Viewer; connection: ChatClient['connection'] }) {
  const route = parseRoute(usePath());
  const { status, epoch, listening } = useSyncExternalStore(connection.subscribe, connection.get);
  const eventsListening = listening.MyEvents ?? 0;
  // Typing seen on an earlier socket may have ended unheard: only this connection's counts.
  const [{ data: live = NO_LIVE_STATE }] = useSubscription(
    { query: MyEventsSubscriptionDocument },
    (state: LiveState = NO_LIVE_STATE, data) => reduceLive(state, data.myEvents, viewer.id, connection.get().epoch),
  );
  const [{ data: online }] = useSubscription({ query: OnlineCountSubscriptionDocument });
  const onlineUsers = online?.onlineCount.users;
  const [{ data: blockedData }] = useQuery({ query: BlockedUsersQuery, requestPolicy: 'cache-and-network' });
  const blocked = useMemo(
    () => new Set(blockedData?.blockedUsers.edges.map((edge) => edge.node.id) ?? []),
    [blockedData],
  );

  return (
    <BlockedContext.Provider value={blocked}>
      <div className="app" data-view={route.name === 'home' ? 'list' : 'content'}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <h1 className="brand">Chat</h1>
          {onlineUsers !== undefined && (
            <p className="online-count" aria-live="off">
              <span className="dot online" aria-hidden="true" /> {onlineUsers} online
            </p>
          )}
          <ReconnectingBanner status={status} />
          <Bell route={route} listening={listening.NotificationAdded ?? 0} />
        </header>
        <Sidebar viewer={viewer} route={route} onlineUsers={onlineUsers} listening={eventsListening} />
        <main id="main" tabIndex={-1}>
          {route.name === 'room' && (
            <RoomView
              key={route.roomId}
              roomId={route.roomId}
              focusSeq={route.seq}
              viewer={viewer}
              live={live}
              epoch={epoch}
              listening={eventsListening}
              onlineUsers={onlineUsers}
            />
          )}
          {route.name === 'directory' && <Directory />}
          {route.name === 'new' && <NewRoom />}
          {route.name === 'search' && <Search />}
          {route.name === 'notifications' && <Inbox listening={listening.NotificationAdded ?? 0} />}
          {route.name === 'friends' && <Friends />}
          {route.name === 'profile' && <Profile />}
          {route.name === 'notFound' && (
            <div className="empty-state" role="alert">
              <h2>There is no such page</h2>
              <p>
                The address <code>{location.pathname}</code> is not a page of the chat.{' '}
                <Link to="/">Go to your rooms</Link>
              </p>
            </div>
          )}
          {route.name === 'home' && (
            <div className="empty-state">
              <h2>Welcome, {viewer.displayName || viewer.username}</h2>
              <p>Pick a room, find one in the directory, or start a new one.</p>
            </div>
          )}
        </main>
      </div>
    </BlockedContext.Provider>
  );
}

/**
 * "Reconnecting…" once the socket has been down for a second: renewing an expired token on a new
 * socket takes less, and is no news. The live region is always there, so the change is announced.
 */
function ReconnectingBanner({ status }: { status: Connection['status'] }) {
  const [longDown, setLongDown] = useState(false);
  useEffect(() => {
    if (status !== 'reconnecting') return;
    const timer = setTimeout(() => setLongDown(true), 1_000);
    return () => {
      clearTimeout(timer);
      setLongDown(false);
    };
  }, [status]);
  const shown = longDown && status === 'reconnecting';
  return (
    <p className={shown ? 'banner' : 'visually-hidden'} role="status">
      {shown ? 'Reconnecting…' : ''}
    </p>
  );
}
