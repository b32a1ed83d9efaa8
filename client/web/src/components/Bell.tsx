import { useQuery, useSubscription } from 'urql';
import { NotificationAddedSubscription, UnreadNotificationCountQuery } from '../people';
import { Link, type Route } from '../router';

/**
 * The bell in the top bar: the unread notification count, kept current by notificationAdded (the
 * cache reads the count again on each), and the way to the inbox.
 */
export function Bell({ route }: { route: Route }) {
  const [{ data }] = useQuery({ query: UnreadNotificationCountQuery, requestPolicy: 'cache-and-network' });
  useSubscription({ query: NotificationAddedSubscription });
  const unread = data?.unreadNotificationCount ?? 0;
  return (
    <Link
      to="/notifications"
      className="bell"
      aria-current={route.name === 'notifications' ? 'page' : undefined}
      aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
    >
      <span aria-hidden="true">🔔</span>
      {unread > 0 && (
        <span className="badge" aria-hidden="true">
          {unread}
        </span>
      )}
    </Link>
  );
}
