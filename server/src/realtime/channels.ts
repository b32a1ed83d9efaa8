/** Pub/sub channel names: one per room and one per user; no pattern subscriptions. */
export const roomChannel = (roomId: string) => `chat:room:${roomId}`;
export const userChannel = (userId: string) => `chat:user:${userId}`;
/** A user's new notifications (notificationAdded). */
export const notificationChannel = (userId: string) => `chat:notifications:${userId}`;
/** Tells every replica that presence changed somewhere, so it recounts. */
export const PRESENCE_CHANNEL = 'chat:presence';
