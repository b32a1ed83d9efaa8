import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import {
  answersMessageQuery,
  answersRoomQuery,
  answersUserQuery,
  type CarriedMember,
  type CarriedMessage,
  type MessageWithAuthor,
  partsOf,
  type PublicUser,
  reviveMessage,
  roomFromJson,
  userFromJson,
} from '../chat/carried.js';
import { encodeCursor } from '../chat/cursor.js';
import { withSummary } from '../chat/reactions.js';
import { readLiveMessage } from '../chat/messages.js';
import { accessRoom, typingAccess } from '../chat/rooms.js';
import { requireUser } from '../chat/policy.js';
import { forbidden, unauthenticated } from '../errors.js';
import type { Room } from '../generated/prisma/client.js';
import { roomChannel, userChannel } from '../realtime/channels.js';
import { hears, OWN_EVENTS, type RoomEvent } from '../realtime/events.js';
import type { OnlineCount } from '../realtime/presence.js';
import { channelStream } from '../realtime/stream.js';
import { builder } from './builder.js';
import { viewerIdOf, type Context } from './context.js';
import { idOf } from './ids.js';
import { MessageRef } from './message.js';
import { limit, RoomRef, RoomRoleRef } from './room.js';
import { UserRef } from './user.js';

/**
 * Live events. A published event names what changed; the rows a subscriber asks for are loaded
 * once per event and selection on each replica and shared by all its subscribers (the event object
 * is the same for all of them), not once per subscriber.
 */
const loaded = new WeakMap<object, Map<string, Promise<unknown>>>();

function loadOnce<T>(event: object, key: string, load: () => Promise<T>): Promise<T> {
  let byKey = loaded.get(event);
  if (!byKey) loaded.set(event, (byKey = new Map()));
  let promise = byKey.get(key) as Promise<T> | undefined;
  if (!promise) byKey.set(key, (promise = load()));
  return promise;
}

/** The message an event carries, revived once per event and replica. */
const revived = new WeakMap<CarriedMessage, MessageWithAuthor>();

function carriedMessage(event: object): MessageWithAuthor | undefined {
  const carried = (event as { message?: CarriedMessage }).message;
  if (!carried) return undefined;
  let message = revived.get(carried);
  if (!message) {
    revived.set(carried, (message = reviveMessage(carried)));
    // A message just sent has no reactions yet: nothing to ask the database.
    if ((event as RoomEvent).type === 'MessageCreated') withSummary(message, null);
  }
  return message;
}

/** The member an event carries, and its room when it does (a reaction carries who reacted only). */
type Carried = Pick<CarriedMember, 'user'> & Partial<Pick<CarriedMember, 'room'>>;
/** The room and member an event carries, revived once per event and replica. */
const revivedMembers = new WeakMap<Carried, { room?: Room; user: PublicUser }>();

function carriedMember(event: object) {
  const carried = (event as { carried?: Carried }).carried;
  if (!carried) return undefined;
  let rows = revivedMembers.get(carried);
  if (!rows) {
    rows = { user: userFromJson(carried.user), ...(carried.room ? { room: roomFromJson(carried.room) } : {}) };
    revivedMembers.set(carried, rows);
  }
  return rows;
}

/** The row an event carries that answers `query` as the database would, if any. */
function carriedRow(model: 'message' | 'room' | 'user', event: object, query: object): object | undefined {
  if (model === 'message') {
    const message = carriedMessage(event);
    return message && answersMessageQuery(query, partsOf(message)) ? message : undefined;
  }
  const member = carriedMember(event);
  if (!member) return undefined;
  // The carried room holds no viewer's membership: only its own columns answer.
  if (model === 'room') return member.room && answersRoomQuery(query, null) ? member.room : undefined;
  return answersUserQuery(query) ? member.user : undefined;
}

/** What `readLiveMessage` reads with a message. */
const LIVE_MESSAGE_PARTS = { author: true, room: true, attachments: true };

function load(model: 'message' | 'room' | 'user', id: string, event: object, ctx: Context, info: GraphQLResolveInfo) {
  const query = queryFromInfo({ context: ctx, info }) as object;
  // The row came with the event (a message just sent with its room, attachments and mentions; a
  // receipt's room and reader): no statement.
  const carried = carriedRow(model, event, query);
  if (carried) return Promise.resolve(carried);
  const prisma = ctx.services.db.prisma;
  // A message with its author, room, attachments, mentions and reactions, read in one statement
  // once per event and replica, answers what clients ask of a reaction, a pin or a thread's root.
  if (model === 'message' && answersMessageQuery(query, LIVE_MESSAGE_PARTS)) {
    return loadOnce<unknown>(
      event,
      `message:${id}`,
      async () =>
        (await readLiveMessage(ctx.services.db, id)) ?? prisma.message.findUniqueOrThrow({ ...query, where: { id } }),
    );
  }
  return loadOnce<unknown>(event, `${model}:${id}:${JSON.stringify(query)}`, () =>
    model === 'message'
      ? prisma.message.findUniqueOrThrow({ ...query, where: { id } })
      : model === 'room'
        ? prisma.room.findUniqueOrThrow({ ...query, where: { id } })
        : prisma.user.findUniqueOrThrow({ ...query, where: { id } }),
  );
}

type Of<T extends RoomEvent['type']> = Extract<RoomEvent, { type: T }>;
type MessageEvent = Of<'MessageCreated' | 'MessageEdited' | 'MessageDeleted'>;

type AboutMessage = Of<'ReactionChanged' | 'MessagePinned' | 'MessageUnpinned'>;

const messageEvent = (name: MessageEvent['type'], description: string) =>
  builder.objectRef<MessageEvent>(name).implement({
    description,
    fields: (t) => ({
      message: t.field({
        type: MessageRef,
        description: 'The message as it is now.',
        resolve: (e, _a, ctx, info) => load('message', e.messageId, e, ctx, info) as never,
      }),
      cursor: t.string({
        description:
          "The message's history cursor, as `messages(roomId)` edges carry it: put the live message into a paged list, or page on from it.",
        resolve: (e, _a, ctx) => encodeCursor(ctx.services.cursorSecret, e.roomId, e.seq),
      }),
    }),
  });

/** An event about a message that changed without a new body: reactions and pins. */
const aboutMessage = (name: AboutMessage['type'], description: string) =>
  builder.objectRef<AboutMessage>(name).implement({
    description,
    fields: (t) => ({
      message: t.field({
        type: MessageRef,
        description: 'The message as it is now.',
        resolve: (e, _a, ctx, info) => load('message', e.messageId, e, ctx, info) as never,
      }),
    }),
  });

type MemberEvent = Of<
  | 'MemberJoined'
  | 'MemberLeft'
  | 'TypingChanged'
  | 'ReadReceipt'
  | 'MemberRoleChanged'
  | 'MemberRemoved'
  | 'MemberMuted'
>;

/** An event about one member of a room: who, and where. */
function memberEvent(name: MemberEvent['type'], description: string) {
  return builder.objectRef<MemberEvent>(name).implement({
    description,
    fields: (t) => ({
      room: t.field({
        type: RoomRef,
        description: 'The room it happened in, as it is now.',
        resolve: (e, _a, ctx, info) => load('room', e.roomId, e, ctx, info) as never,
      }),
      user: t.field({
        type: UserRef,
        description: 'The member it is about.',
        resolve: (e, _a, ctx, info) => load('user', e.userId, e, ctx, info) as never,
      }),
    }),
  });
}

const MessageCreated = messageEvent(
  'MessageCreated',
  'A message was sent to the room (a reply too: its threadRoot is set).',
);
const MessageEdited = messageEvent('MessageEdited', "A message's body was edited by its author.");
const MessageDeleted = messageEvent('MessageDeleted', 'A message was deleted (its body is now empty).');
const MemberJoined = memberEvent(
  'MemberJoined',
  'A user became a member of the room: by creating or joining it, or as one of the two users of a direct room just opened.',
);
const MemberLeft = memberEvent('MemberLeft', 'A member left the room.');
const TypingChanged = memberEvent('TypingChanged', 'A member started or stopped typing in the room.');
const ReadReceipt = memberEvent(
  'ReadReceipt',
  'A member\u2019s read position in the room moved forward. Every member hears it in a room that sharesReadReceipts; in a larger room only the reader\u2019s own sessions do.',
);
builder.objectField(TypingChanged, 'typing', (t) =>
  t.boolean({
    description: 'True: started typing; false: stopped (said so, or 5 s passed without setTyping).',
    resolve: (e) => (e as Of<'TypingChanged'>).typing,
  }),
);
builder.objectField(ReadReceipt, 'lastReadSeq', (t) =>
  t.int({
    description: 'The member has read the room up to and including this seq.',
    resolve: (e) => (e as Of<'ReadReceipt'>).lastReadSeq,
  }),
);
const ReactionChanged = aboutMessage('ReactionChanged', 'Someone added or removed a reaction to a message.');
const MessagePinned = aboutMessage('MessagePinned', 'A message was pinned to its room.');
const MessageUnpinned = aboutMessage('MessageUnpinned', 'A message was unpinned.');
builder.objectFields(ReactionChanged, (t) => ({
  user: t.field({
    type: UserRef,
    description: 'Who reacted (or took the reaction back).',
    resolve: (e, _a, ctx, info) => load('user', (e as Of<'ReactionChanged'>).userId, e, ctx, info) as never,
  }),
  emoji: t.string({ description: 'The reaction, as stored.', resolve: (e) => (e as Of<'ReactionChanged'>).emoji }),
  added: t.boolean({
    description: 'True when added, false when removed.',
    resolve: (e) => (e as Of<'ReactionChanged'>).added,
  }),
}));
const ThreadUpdated = builder.objectRef<Of<'ThreadUpdated'>>('ThreadUpdated').implement({
  description: 'A thread gained or lost a reply: its root with the new replyCount and lastReplyAt.',
  fields: (t) => ({
    root: t.field({
      type: MessageRef,
      description: 'The thread\u2019s root message.',
      resolve: (e, _a, ctx, info) => load('message', e.messageId, e, ctx, info) as never,
    }),
  }),
});

const MemberRoleChanged = memberEvent('MemberRoleChanged', 'An owner changed a member\u2019s role.');
builder.objectField(MemberRoleChanged, 'role', (t) =>
  t.field({
    type: RoomRoleRef,
    description: 'The member\u2019s new role.',
    resolve: (e) => (e as Of<'MemberRoleChanged'>).role,
  }),
);
const MemberRemoved = memberEvent(
  'MemberRemoved',
  'An owner or moderator removed a member (kicked or banned them). Their own streams of a PRIVATE or DIRECT room end with FORBIDDEN.',
);
builder.objectField(MemberRemoved, 'banned', (t) =>
  t.boolean({
    description: 'True when banned (cannot rejoin until the ban ends), false when kicked.',
    resolve: (e) => (e as Of<'MemberRemoved'>).banned,
  }),
);
const MemberMuted = memberEvent(
  'MemberMuted',
  'An owner or moderator muted a member (no sending, reacting or typing until `until`), or lifted the mute (`until` null).',
);
builder.objectField(MemberMuted, 'until', (t) =>
  t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When the mute ends; null when it was lifted.',
    resolve: (e) => {
      const until = (e as Of<'MemberMuted'>).until;
      return until ? new Date(until) : null;
    },
  }),
);
const RoomUpdated = builder.objectRef<Of<'RoomUpdated'>>('RoomUpdated').implement({
  description: 'The room\u2019s settings changed: name, topic, slow mode, or archived.',
  fields: (t) => ({
    room: t.field({
      type: RoomRef,
      description: 'The room as it is now.',
      resolve: (e, _a, ctx, info) => load('room', e.roomId, e, ctx, info) as never,
    }),
  }),
});
const UserUpdated = builder.objectRef<Of<'UserUpdated'>>('UserUpdated').implement({
  description: 'A member changed their profile (display name, avatar).',
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: 'The user as they are now.',
      resolve: (e, _a, ctx, info) => load('user', e.userId, e, ctx, info) as never,
    }),
  }),
});

const types = {
  MessageCreated,
  MessageEdited,
  MessageDeleted,
  MemberJoined,
  MemberLeft,
  TypingChanged,
  ReadReceipt,
  ReactionChanged,
  MessagePinned,
  MessageUnpinned,
  ThreadUpdated,
  RoomUpdated,
  MemberRoleChanged,
  MemberRemoved,
  MemberMuted,
  UserUpdated,
};

export const RoomEventRef = builder.unionType('RoomEvent', {
  description: 'Something that happened in a room, as roomEvents and myEvents deliver it.',
  types: Object.values(types),
  resolveType: (event) => (event as RoomEvent).type,
});

export const OnlineCountRef = builder.objectRef<OnlineCount>('OnlineCount').implement({
  description: 'users: distinct signed-in users online on any replica; guests: guest connections.',
  fields: (t) => ({
    users: t.exposeInt('users', {
      description: 'Distinct signed-in users with at least one live connection, on any replica.',
    }),
    guests: t.exposeInt('guests', { description: 'Live connections without a signed-in user.' }),
  }),
});

/**
 * What ends a member's stream of a PRIVATE or DIRECT room they were removed from: executed as a
 * FORBIDDEN error (the stream's last result), then the stream completes.
 */
interface AccessEnded {
  type: 'AccessEnded';
  roomId: string;
  banned: boolean;
}
type StreamValue = RoomEvent | AccessEnded;

/** The result of an event for a room stream: the end of access is a FORBIDDEN error. */
function roomEventResult(event: StreamValue): RoomEvent {
  if (event.type !== 'AccessEnded') return event;
  throw forbidden(event.banned ? 'You were banned from this room' : 'You were removed from this room');
}

/**
 * The events of one room, for a viewer allowed to read it. A member of a PRIVATE or DIRECT room who
 * leaves gets their MemberLeft, then the stream ends; one who is removed or banned gets a FORBIDDEN
 * error, then the stream ends. The removal reaches every replica on the member's own channel, so
 * each ends its streams at once, without asking the database per event.
 */
async function roomStream(ctx: Context, globalRoomId: string, onlyType?: RoomEvent['type']) {
  const viewerId = viewerIdOf(ctx);
  const prisma = ctx.services.db.prisma;
  const { room } = await accessRoom(prisma, viewerId, idOf('Room', globalRoomId, 'roomId'), 'room.read');
  const ownLeave = viewerId !== null && room.kind !== 'PUBLIC';
  const channelOfRoom = roomChannel(room.id);
  const channelOfViewer = ownLeave ? userChannel(viewerId) : null;
  const channels = channelOfViewer ? [channelOfRoom, channelOfViewer] : [channelOfRoom];
  const stream = await channelStream<RoomEvent, StreamValue>(ctx.services.bus.pubsub, channels, (event, channel, s) => {
    if (event.roomId !== room.id || !hears(event, viewerId)) return undefined;
    const own = OWN_EVENTS.has(event.type) && (event as { userId: string }).userId === viewerId;
    if (own && channelOfViewer) {
      // Heard on both channels: take it from the user's, which is there only for this.
      if (channel !== channelOfViewer) return undefined;
      if (event.type === 'MemberRemoved') {
        s.close();
        return { type: 'AccessEnded', roomId: room.id, banned: event.banned };
      }
      if (event.type === 'MemberLeft') s.close();
    } else if (channel !== channelOfRoom) {
      return undefined;
    }
    return onlyType && event.type !== onlyType ? undefined : event;
  });
  if (ownLeave) {
    // Removed between the check above and the subscription taking hold: the event was missed.
    const still = await prisma.membership.findUnique({
      where: { roomId_userId: { roomId: room.id, userId: viewerId } },
      select: { userId: true },
    });
    if (!still) {
      await stream.return?.(undefined);
      throw forbidden('Only members can read this room');
    }
  }
  return stream;
}

/** Every event of every room the viewer belongs to, following joins and leaves as they happen. */
async function myStream(ctx: Context) {
  if (!ctx.viewer) throw unauthenticated();
  const userId = ctx.viewer.userId;
  const own = userChannel(userId);
  const memberships = await ctx.services.db.prisma.membership.findMany({ where: { userId }, select: { roomId: true } });
  return channelStream<RoomEvent>(
    ctx.services.bus.pubsub,
    [own, ...memberships.map((m) => roomChannel(m.roomId))],
    (event, channel, stream) => {
      const mine = OWN_EVENTS.has(event.type) && (event as { userId: string }).userId === userId;
      if (!mine) return channel === own || !hears(event, userId) ? undefined : event;
      if (channel !== own) return undefined; // the copy on the room channel
      if (event.type === 'MemberJoined') void stream.add(roomChannel(event.roomId));
      else stream.remove(roomChannel(event.roomId));
      return event;
    },
  );
}

builder.subscriptionFields((t) => ({
  roomEvents: t.field({
    type: RoomEventRef,
    description:
      'Everything that happens in a room. Members; guests for PUBLIC rooms only. A member removed from a PRIVATE or DIRECT room gets a FORBIDDEN error, then the stream completes.',
    args: { roomId: t.arg.id({ description: 'The room\u2019s global id.' }) },
    subscribe: (_root, args, ctx) => roomStream(ctx, String(args.roomId)),
    resolve: (event) => roomEventResult(event as StreamValue) as never,
  }),
  messageAdded: t.field({
    type: MessageRef,
    description: 'New messages of a room (the MessageCreated events of roomEvents).',
    args: { roomId: t.arg.id({ description: 'The room\u2019s global id.' }) },
    subscribe: (_root, args, ctx) => roomStream(ctx, String(args.roomId), 'MessageCreated'),
    resolve: (event, _args, ctx, info) => {
      const e = roomEventResult(event as unknown as StreamValue) as MessageEvent;
      return load('message', e.messageId, e, ctx, info) as never;
    },
  }),
  myEvents: t.field({
    type: RoomEventRef,
    description: 'Every event of every room the viewer belongs to; follows joins and leaves.',
    subscribe: (_root, _args, ctx) => myStream(ctx),
    resolve: (event) => event as never,
  }),
  onlineCount: t.field({
    type: OnlineCountRef,
    description: 'The online count now, then at every change, across all replicas.',
    subscribe: (_root, _args, ctx) => ctx.services.presence.stream(),
    resolve: (count) => count as never,
  }),
}));

builder.queryField('onlineCount', (t) =>
  t.field({
    type: OnlineCountRef,
    description: 'How many users and guests are connected now, across all replicas.',
    resolve: (_root, _args, ctx) => ctx.services.presence.count(),
  }),
);

builder.objectField(UserRef, 'online', (t) =>
  t.boolean({
    description: 'At least one live connection, on any replica.',
    resolve: (user, _args, ctx) => ctx.services.presence.isOnline(user.id),
  }),
);

const SetTypingInput = builder.inputType('SetTypingInput', {
  description: 'Whether the viewer is typing in a room.',
  fields: (t) => ({
    roomId: t.id({ description: 'The global id of the room, which the viewer must be a member of.' }),
    typing: t.boolean({ description: 'True while typing (repeat within 5 s to keep it on); false when stopped.' }),
  }),
});

builder.mutationField('setTyping', (t) =>
  t.boolean({
    description: 'Says the viewer is (or stopped) typing in a room; typing ends by itself 5 s after the last call.',
    args: { input: t.arg({ type: SetTypingInput, description: 'The room and whether the viewer is typing.' }) },
    resolve: async (_root, { input }, ctx) => {
      await limit(ctx, 'setTyping');
      const viewerId = requireUser(viewerIdOf(ctx));
      const carried = await typingAccess(ctx.services.db, viewerId, idOf('Room', input.roomId, 'roomId'));
      await ctx.services.typing.set(carried.room.id, viewerId, input.typing, carried);
      return true;
    },
  }),
);
