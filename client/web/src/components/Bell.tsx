import { useEffect } from 'react';
import { useQuery, useSubscription } from 'urql';
import { NotificationAddedSubscription, UnreadNotificationCountQuery } from '../people';
import { Link, type Route } from '../router';

/**
 * The bell in the top bar: the unread notification count, kept current by notificationAdded (the
 * cache reads the count again on each, and after the subscription listens again), and the way to
 * the inbox.
 */
export function Bell({ route, listening }: { route: Route; listening: number }) {
  const [{ data }, refetch] = useQuery({ query: UnreadNotificationCountQuery, requestPolicy: 'cache-and-network' });
  useSubscription({ query: NotificationAddedSubscription });
  // Whatever came before the subscription listened (at the start, after a reconnect or an outage)
  // may have come unheard: the count is read again.
  useEffect(() => {
    if (listening > 0) refetch({ requestPolicy: 'network-only' });
  }, [listening, refetch]);
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
