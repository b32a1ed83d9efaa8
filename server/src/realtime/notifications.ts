import type { PubSubEngine } from 'graphql-subscriptions';
import type { NewNotification } from '../chat/notifications.js';
import type { Logger } from '../infra/logger.js';
import { notificationChannel } from './channels.js';

/** What a notification channel carries: the notification's id (each replica loads what its subscriber asks). */
export interface NotificationEvent {
  notificationId: string;
  userId: string;
}

/**
 * Tells each recipient's live connections, on every replica, of notifications just stored (after
 * the transaction committed). A failed publish is logged: the notification is stored, and clients
 * catch up from `notifications`. (Their pushes are queued in the same statement, and the queue's
 * trigger tells the push workers: integrations/schedule.ts.)
 */
export class NotificationEvents {
  constructor(
    private readonly pubsub: PubSubEngine,
    private readonly log: Logger,
  ) {}

  /** Hands each notification to the pub/sub without waiting for it (as RoomEvents.publish does). */
  publish(notifications: readonly (NewNotification | null | undefined)[]): void {
    const made = notifications.filter((n): n is NewNotification => n != null);
    if (made.length === 0) return;
    for (const { id, userId } of made) {
      const channel = notificationChannel(userId);
      const event: NotificationEvent = { notificationId: id, userId };
      this.pubsub.publish(channel, event).catch((error: Error) => {
        this.log.warn({ err: error.message, channel }, 'notification publish failed');
      });
    }
  }
}
