/**
 * @chat/sdk — a typed client of the chat API. Start with `createChatClient`; see README.md.
 */
export {
  createChatClient,
  type Attachment,
  type AuthFunctions,
  type AuthPayload,
  type ChatClient,
  type ChatClientEvents,
  type ChatClientOptions,
  type Message,
  type MutationFunctions,
  type Page,
  type Notification,
  type QueryFunctions,
  type RequestOptions,
  type Room,
  type RoomEvent,
  type RoomHandle,
  type RoomModeration,
  type SubscriptionFunctions,
  type ThreadHandle,
} from './client.js';
export { ChatError, isChatError, type ChatErrorCode, type GraphQLErrorLike } from './errors.js';
export { toWebSocketUrl, type Endpoint } from './endpoints.js';
export type { FetchLike } from './http.js';
export type { LiveSubscription, SubscriptionHandlers } from './live.js';
export { CloseCodes, type RealtimeEvents } from './realtime.js';
export {
  MessageStream,
  type MessageStreamEvents,
  type MessageStreamOptions,
  type MessageStreamStats,
  type RecoveryReason,
  type StreamHost,
} from './room-stream.js';
export { SeqBuffer, type Sequenced } from './seq-buffer.js';
export {
  notificationStream,
  type NotificationHost,
  type NotificationLike,
  type NotificationStreamOptions,
} from './notification-stream.js';
export type { RefreshReason, SessionEvents } from './session.js';
export { verifyWebhook, type WebhookPayload } from './webhooks.js';
export { localStorageTokens, memoryTokens, type Session, type StorageLike, type TokenStorage } from './tokens.js';
/** The typed documents and types generated from the schema and src/operations/ (for urql, Apollo…). */
export * from './generated/graphql.js';
