import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  InboxQuery,
  MarkNotificationsReadMutation,
  notificationPath,
  notificationText,
  type NotificationItem,
} from '../people';
import { JoinRoomMutation } from '../rooms';
import { Link, navigate, roomPath } from '../router';
import { errorText } from './errors';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The inbox: notifications newest first; each leads to its message in context and is marked read
 * when followed. `listening`: Connection.listening of notificationAdded.
 */
export function Inbox({ listening }: { listening: number }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: InboxQuery, requestPolicy: 'cache-and-network' });
  // Each time the server says notificationAdded listens again (after it had lost Redis, say), the
  // list is read again: what came meanwhile was never heard. The first signal may come after this
  // view opened, for one more read.
  const [openedAt] = useState(listening);
  useEffect(() => {
    if (listening > openedAt) refetch({ requestPolicy: 'network-only' });
  }, [listening, openedAt, refetch]);
  const [, markRead] = useMutation(MarkNotificationsReadMutation);
  const [, join] = useMutation(JoinRoomMutation);
  const [problem, setProblem] = useState<string | null>(null);
  const items = data?.notifications.edges.map((edge) => edge.node) ?? [];
  const unread = items.filter((n) => !n.readAt);
  const follow = (n: NotificationItem) => {
    if (!n.readAt) void markRead({ input: { ids: [n.id] } });
  };
  // An invitation is to a room the viewer cannot see yet: joining it takes them there.
  const accept = async (n: NotificationItem) => {
    follow(n);
    const result = await join({ input: { roomId: n.room!.id } });
    if (result.error) setProblem(errorText(result.error));
    else navigate(roomPath(n.room!.id));
  };
  return (
    <section className="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">Notifications</h2>
      {unread.length > 0 && (
        <button type="button" className="secondary" onClick={() => void markRead({ input: { all: true } })}>
          Mark all read
        </button>
      )}
      {error && !data && (
        <p className="error" role="alert">
          Your notifications could not be loaded.
        </p>
      )}
      {data && items.length === 0 && !fetching && <p className="hint">Nothing yet.</p>}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ul className="notifications">
        {items.map((n) => (
          <li key={n.id} className={n.readAt ? 'notification' : 'notification unread'}>
            <Link to={notificationPath(n)} onClick={() => follow(n)}>
              <span className="what">{notificationText(n)}</span>
              {n.message && <span className="excerpt">{n.message.body.slice(0, 140)}</span>}
              <time dateTime={n.createdAt}>{when.format(new Date(n.createdAt))}</time>
              {!n.readAt && <span className="visually-hidden"> (unread)</span>}
            </Link>
            {n.kind === 'INVITATION' && n.room && (
              <button type="button" className="small" onClick={() => void accept(n)}>
                Join<span className="visually-hidden"> {n.room.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
