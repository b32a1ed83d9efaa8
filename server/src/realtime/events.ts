import type { PubSubEngine } from 'graphql-subscriptions';
import type { CarriedMember, CarriedMessage } from '../chat/carried.js';
import type { Logger } from '../infra/logger.js';
import { tracedPublish, type TraceCarrier } from '../infra/tracing.js';
import { roomChannel, userChannel } from './channels.js';

/**
 * What happens in a room, as published on its channel. Events carry ids; a new, edited or deleted
 * message also carries its stored row and author's public columns, a read receipt or a typing
 * event its room and member, and a reaction who reacted, which answer most subscriptions. Each
 * replica loads whatever else its subscribers ask for once per event (see schema/events.ts). They
 * must survive JSON (Redis), so no Dates.
 */
export type RoomEvent = { roomId: string; at: number; trace?: TraceCarrier } & (
  | {
      type: 'MessageCreated' | 'MessageEdited' | 'MessageDeleted';
      messageId: string;
      seq: number;
      message?: CarriedMessage;
    }
  | { type: 'MemberJoined' | 'MemberLeft'; userId: string }
  /** `carried`: the room and the typist, as setTyping's statement read them. */
  | { type: 'TypingChanged'; userId: string; typing: boolean; carried?: CarriedMember }
  /**
   * `readerOnly`: in a room too large to share receipts, only the reader's own streams hear it.
   * `carried`: the room and the reader, as markRead's statement read them.
   */
  | { type: 'ReadReceipt'; userId: string; lastReadSeq: number; readerOnly?: boolean; carried?: CarriedMember }
  /** `carried`: who reacted, as the reaction's statement read them. */
  | {
      type: 'ReactionChanged';
      messageId: string;
      userId: string;
      emoji: string;
      added: boolean;
      carried?: Pick<CarriedMember, 'user'>;
    }
  | { type: 'MessagePinned'; messageId: string }
  | { type: 'MessageUnpinned'; messageId: string }
  /** Names the thread's root, whose replyCount and lastReplyAt changed. */
  | { type: 'ThreadUpdated'; messageId: string }
  /** The room's settings changed (name, topic, slow mode, archived). */
  | { type: 'RoomUpdated' }
  | { type: 'MemberRoleChanged'; userId: string; role: 'OWNER' | 'MODERATOR' | 'MEMBER' }
  /** A member was removed (kicked) or banned: their live streams of a PRIVATE or DIRECT room end. */
  | { type: 'MemberRemoved'; userId: string; banned: boolean }
  /** `until`: ISO time the mute ends; null when unmuted. */
  | { type: 'MemberMuted'; userId: string; until: string | null }
  /** A member changed their profile (name, avatar). */
  | { type: 'UserUpdated'; userId: string }
);

/** Events about one member that their own channel hears too (myEvents and room streams follow them). */
export const OWN_EVENTS = new Set<RoomEvent['type']>(['MemberJoined', 'MemberLeft', 'MemberRemoved']);

/** Whether a stream of `viewerId` (null: a guest) hears `event`: a receipt kept to its reader only by them. */
export const hears = (event: RoomEvent, viewerId: string | null) =>
  event.type !== 'ReadReceipt' || !event.readerOnly || event.userId === viewerId;

type Distribute<T> = T extends unknown ? Omit<T, 'at' | 'trace'> : never;
export type NewRoomEvent = Distribute<RoomEvent>;

/**
 * Publishes events after the store succeeded. A publish is handed to the pub/sub and not waited
 * for: the answer to the change does not wait for Redis to acknowledge it (one round trip, and one
 * wake-up of the process, less per change), and events on one connection keep their order. A
 * publish that fails is logged: the change is stored, and clients recover missed events with
 * messagesSince.
 */
export class RoomEvents {
  constructor(
    private readonly pubsub: PubSubEngine,
    private readonly log: Logger,
  ) {}

  publish(event: NewRoomEvent): void {
    const full = { ...event, at: Date.now() } as RoomEvent;
    const channels = [roomChannel(event.roomId)];
    // The member's own channel hears of their joins, leaves and removals: myEvents follows them with
    // it, and every replica ends a removed member's streams of the room on hearing it.
    if (OWN_EVENTS.has(event.type)) channels.push(userChannel((event as { userId: string }).userId));
    for (const channel of channels) {
      // With tracing on, the event carries the publish's trace context to every replica.
      tracedPublish(channel, (trace) => this.pubsub.publish(channel, trace ? { ...full, trace } : full)).catch(
        (error: Error) => {
          this.log.warn({ err: error.message, channel, type: event.type }, 'publish failed');
        },
      );
    }
  }
}
