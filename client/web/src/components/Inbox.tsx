import { useMutation, useQuery } from 'urql';
import {
  InboxQuery,
  MarkNotificationsReadMutation,
  notificationPath,
  notificationText,
  type NotificationItem,
} from '../people';
import { Link } from '../router';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The inbox: notifications newest first; each leads to its message in context and is marked read when followed. */
export function Inbox() {
  const [{ data, error, fetching }] = useQuery({ query: InboxQuery, requestPolicy: 'cache-and-network' });
  const [, markRead] = useMutation(MarkNotificationsReadMutation);
  const items = data?.notifications.edges.map((edge) => edge.node) ?? [];
  const unread = items.filter((n) => !n.readAt);
  const follow = (n: NotificationItem) => {
    if (!n.readAt) void markRead({ input: { ids: [n.id] } });
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
      <ul className="notifications">
        {items.map((n) => (
          <li key={n.id} className={n.readAt ? 'notification' : 'notification unread'}>
            <Link to={notificationPath(n)} onClick={() => follow(n)}>
              <span className="what">{notificationText(n)}</span>
              {n.message && <span className="excerpt">{n.message.body.slice(0, 140)}</span>}
              <time dateTime={n.createdAt}>{when.format(new Date(n.createdAt))}</time>
              {!n.readAt && <span className="visually-hidden"> (unread)</span>}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
