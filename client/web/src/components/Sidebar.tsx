import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { MyRoomsQuery, type RoomSummary } from '../rooms';
import { Link, roomPath, type Route } from '../router';
import { logout, type Viewer } from '../session';
import { PeerName } from './DirectPeer';

const byLatestActivity = (a: RoomSummary, b: RoomSummary) => b.lastActivityAt.localeCompare(a.lastActivityAt);

/** The viewer's rooms, latest activity first, with unread counts; the app's other views; signing out. */
export function Sidebar({
  viewer,
  route,
  onlineUsers,
  listening,
}: {
  viewer: Viewer;
  route: Route;
  onlineUsers: number | undefined;
  /** Connection.listening: after the first, unread counts may have moved unheard. */
  listening: number;
}) {
  const [{ data, error }, refetch] = useQuery({ query: MyRoomsQuery, requestPolicy: 'cache-and-network' });
  // Live again after a reconnect or an outage: unread counts may have moved unheard.
  useEffect(() => {
    if (listening > 1) refetch({ requestPolicy: 'network-only' });
  }, [listening, refetch]);
  const rooms = [...(data?.myRooms.edges.map((edge) => edge.node) ?? [])].sort(byLatestActivity);
  const currentRoomId = route.name === 'room' ? route.roomId : null;

  return (
    <nav className="sidebar" aria-label="Rooms and views">
      <ul className="views">
        <li>
          <Link to="/new" aria-current={route.name === 'new' ? 'page' : undefined}>
            New room
          </Link>
        </li>
        <li>
          <Link to="/directory" aria-current={route.name === 'directory' ? 'page' : undefined}>
            Directory
          </Link>
        </li>
        <li>
          <Link to="/search" aria-current={route.name === 'search' ? 'page' : undefined}>
            Search
          </Link>
        </li>
        <li>
          <Link to="/friends" aria-current={route.name === 'friends' ? 'page' : undefined}>
            Friends
          </Link>
        </li>
        <li>
          <Link to="/profile" aria-current={route.name === 'profile' ? 'page' : undefined}>
            Profile
          </Link>
        </li>
      </ul>
      <h2 id="my-rooms-title">My rooms</h2>
      {error && !data && (
        <p className="error" role="alert">
          Your rooms could not be loaded.
        </p>
      )}
      {data && rooms.length === 0 && <p className="hint">No rooms yet.</p>}
      <ul className="rooms" aria-labelledby="my-rooms-title">
        {rooms.map((room) => (
          <li key={room.id}>
            <Link
              to={roomPath(room.id)}
              className="room-link"
              aria-current={room.id === currentRoomId ? 'page' : undefined}
            >
              {room.kind === 'DIRECT' ? (
                <PeerName roomId={room.id} viewerId={viewer.id} onlineUsers={onlineUsers} fallback={room.name} />
              ) : (
                <span className="room-name">
                  <span className="room-kind" aria-hidden="true">
                    {room.kind === 'PRIVATE' ? '◆' : '#'}
                  </span>
                  {room.name}
                  {room.kind === 'PRIVATE' && <span className="visually-hidden"> (private)</span>}
                </span>
              )}
              {room.unreadCount > 0 && (
                <span className="badge">
                  {room.unreadCount}
                  <span className="visually-hidden"> unread</span>
                </span>
              )}
            </Link>
          </li>
        ))}
      </ul>
      <Account viewer={viewer} />
    </nav>
  );
}

function Account({ viewer }: { viewer: Viewer }) {
  const [busy, setBusy] = useState(false);
  const signOut = (everywhere: boolean) => {
    setBusy(true);
    // Signed out locally whatever the server says; the view changes with the session.
    logout(everywhere).catch(() => undefined);
  };
  return (
    <div className="account">
      <p>
        Signed in as <strong>{viewer.displayName || viewer.username}</strong>
        {viewer.displayName && <span className="hint"> @{viewer.username}</span>}
      </p>
      <button type="button" onClick={() => signOut(false)} disabled={busy}>
        Sign out
      </button>
      <button type="button" className="secondary" onClick={() => signOut(true)} disabled={busy}>
        Sign out everywhere
      </button>
    </div>
  );
}
