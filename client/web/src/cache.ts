/**
 * The normalized cache: messages, rooms and users are stored once by id, so an edit, a delete, a
 * read position or an online flag that arrives by any path (a query, a mutation's answer, a live
 * event) shows everywhere at once. The updaters below do what normalization alone cannot: put new
 * messages into their room's history, keep the rooms' unread counts and order, refetch the room
 * list when the viewer joins or leaves one. Optimistic results show a send, an edit, a delete or a
 * read at once; the server's answer replaces them.
 */
import { cacheExchange, type Cache } from '@urql/exchange-graphcache';
import { graphql } from './gql';
import type {
  DeleteMessageMutationVariables,
  EditMessageMutationVariables,
  MarkReadMutationVariables,
  MessagesSinceQuery,
  MessagesSinceQueryVariables,
  MyEventsSubscription,
  PinMessageMutation,
  SendMessageMutation,
  UnpinMessageMutation,
  SendMessageMutationVariables,
} from './gql/graphql';
import { uploadedAttachment } from './attachments/data';
import { addToNewestPage, PENDING_PREFIX, type Message } from './messages';
import { peopleKeys, peopleUpdates } from './people';
import { session } from './session';

const RoomActivity = graphql(`
  fragment RoomActivity on Room {
    id
    lastSeq
    lastActivityAt
    unreadCount
  }
`);

const RoomReadState = graphql(`
  fragment RoomReadState on Room {
    id
    viewerLastReadSeq
    unreadCount
  }
`);

const roomKey = (id: string) => ({ __typename: 'Room', id });
const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0);

/** A new message moves its room up the list and counts as unread until read (as the server counts). */
function noteActivity(cache: Cache, message: Message) {
  const room = roomKey(message.room.id);
  if (cache.resolve(room, 'lastSeq') == null) return;
  const lastSeq = Math.max(numberOf(cache.resolve(room, 'lastSeq')), message.seq);
  const lastRead = numberOf(cache.resolve(room, 'viewerLastReadSeq'));
  const lastActivityAt = String(cache.resolve(room, 'lastActivityAt') ?? '');
  cache.writeFragment(RoomActivity, {
    __typename: 'Room',
    id: message.room.id,
    lastSeq,
    lastActivityAt: message.createdAt > lastActivityAt ? message.createdAt : lastActivityAt,
    unreadCount: Math.max(0, lastSeq - lastRead),
  });
}

function readUpTo(cache: Cache, roomId: string, seq: number) {
  const room = roomKey(roomId);
  if (cache.resolve(room, 'lastSeq') == null) return;
  const lastRead = Math.max(numberOf(cache.resolve(room, 'viewerLastReadSeq')), seq);
  cache.writeFragment(RoomReadState, {
    __typename: 'Room',
    id: roomId,
    viewerLastReadSeq: lastRead,
    unreadCount: Math.max(0, numberOf(cache.resolve(room, 'lastSeq')) - lastRead),
  });
}

/** The viewer's rooms changed: the sidebar's list is fetched again. */
function refetchMyRooms(cache: Cache) {
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName === 'myRooms') cache.invalidate('Query', field.fieldName, field.arguments ?? undefined);
  }
}

function onEvent(cache: Cache, event: MyEventsSubscription['myEvents']) {
  const viewerId = session.viewer()?.id;
  switch (event.__typename) {
    case 'MessageCreated':
      addToNewestPage(cache, event.message.room.id, [event.message]);
      noteActivity(cache, event.message);
      break;
    case 'MessagePinned':
    case 'MessageUnpinned':
      // The room's pins are read again (in pin order, by the server).
      cache.invalidate(roomKey(event.message.room.id), 'pinnedMessages');
      break;
    case 'MemberJoined':
    case 'MemberLeft':
      if (event.user.id === viewerId) refetchMyRooms(cache);
      break;
    case 'MemberRemoved':
      // Removed or banned: the room leaves the list, and its view reads it again (and is refused).
      if (event.user.id === viewerId) {
        refetchMyRooms(cache);
        cache.invalidate(roomKey(event.room.id));
      }
      cache.invalidate(roomKey(event.room.id), 'memberships', { first: 100 });
      break;
    case 'MemberRoleChanged':
    case 'MemberMuted':
      if (event.user.id === viewerId) {
        cache.invalidate(roomKey(event.room.id), 'viewerRole');
        cache.invalidate(roomKey(event.room.id), 'viewerMutedUntil');
        cache.invalidate(roomKey(event.room.id), 'viewerCanPin');
      }
      cache.invalidate(roomKey(event.room.id), 'memberships', { first: 100 });
      break;
    case 'ReadReceipt':
      // The viewer read in another tab or device.
      if (event.user.id === viewerId) readUpTo(cache, event.room.id, event.lastReadSeq);
      break;
  }
}

/** The pins of the message's room are read again. */
function invalidatePins(cache: Cache, messageId: string) {
  const roomId = cache.resolve({ __typename: 'Message', id: messageId }, 'room');
  const id = typeof roomId === 'string' ? cache.resolve(roomId, 'id') : null;
  if (typeof id === 'string') cache.invalidate(roomKey(id), 'pinnedMessages');
}

const now = () => new Date().toISOString();

export const chatCache = () =>
  cacheExchange({
    keys: {
      // Objects without an id of their own live inside their parent.
      MessageConnection: () => null,
      MessageEdge: () => null,
      RoomConnection: () => null,
      RoomEdge: () => null,
      UserConnection: () => null,
      UserEdge: () => null,
      PageInfo: () => null,
      OnlineCount: () => null,
      MessageCreated: () => null,
      MessageEdited: () => null,
      MessageDeleted: () => null,
      MemberJoined: () => null,
      MemberLeft: () => null,
      TypingChanged: () => null,
      ReadReceipt: () => null,
      RoomUpdated: () => null,
      MemberRoleChanged: () => null,
      MemberRemoved: () => null,
      MemberMuted: () => null,
      RoomMember: () => null,
      RoomMemberConnection: () => null,
      RoomMemberEdge: () => null,
      MessageReportConnection: () => null,
      MessageReportEdge: () => null,
      WebhookWithSecret: () => null,
      WebhookDeliveryConnection: () => null,
      WebhookDeliveryEdge: () => null,
      ReactionChanged: () => null,
      MessagePinned: () => null,
      MessageUnpinned: () => null,
      ThreadUpdated: () => null,
      ReactionCount: () => null,
      ...peopleKeys,
    },
    updates: {
      Subscription: {
        myEvents: (result: MyEventsSubscription, _args, cache) => onEvent(cache, result.myEvents),
        ...peopleUpdates.Subscription,
      },
      Query: {
        messagesSince: (result: MessagesSinceQuery, args: MessagesSinceQueryVariables, cache) => {
          addToNewestPage(cache, String(args.roomId), result.messagesSince);
          for (const message of result.messagesSince) noteActivity(cache, message);
        },
      },
      Mutation: {
        sendMessage: (result: SendMessageMutation, _args, cache) => {
          addToNewestPage(cache, result.sendMessage.room.id, [result.sendMessage]);
          // The server moved the sender's read position to their message: the room is not marked read for it.
          readUpTo(cache, result.sendMessage.room.id, result.sendMessage.seq);
        },
        pinMessage: (result: PinMessageMutation, _args, cache) => invalidatePins(cache, result.pinMessage.id),
        unpinMessage: (result: UnpinMessageMutation, _args, cache) => invalidatePins(cache, result.unpinMessage.id),
        createRoom: (_result, _args, cache) => refetchMyRooms(cache),
        joinRoom: (_result, _args, cache) => refetchMyRooms(cache),
        openDirectRoom: (_result, _args, cache) => refetchMyRooms(cache),
        ...peopleUpdates.Mutation,
      },
    },
    optimistic: {
      sendMessage: ({ input }: SendMessageMutationVariables, cache) => {
        const viewer = session.viewer();
        // The avatar the cache already has for the viewer (not null: that would blank it everywhere).
        const avatarUrl = viewer ? cache.resolve({ __typename: 'User', id: viewer.id }, 'avatarUrl') : null;
        return {
          __typename: 'Message',
          id: `${PENDING_PREFIX}${input.clientMessageId}`,
          seq: 0,
          body: input.body.trim(),
          clientMessageId: input.clientMessageId ?? null,
          createdAt: now(),
          editedAt: null,
          deletedAt: null,
          author: {
            __typename: 'User',
            id: viewer?.id ?? '',
            username: viewer?.username ?? '',
            displayName: viewer?.displayName ?? null,
            avatarUrl: typeof avatarUrl === 'string' ? avatarUrl : null,
          },
          room: { __typename: 'Room', id: input.roomId },
          threadRootId: input.threadRootId ?? null,
          replyCount: 0,
          lastReplyAt: null,
          pinnedAt: null,
          reactions: [],
          mentions: [],
          attachments: (input.attachmentIds ?? []).flatMap((id) => {
            const attachment = uploadedAttachment(String(id));
            return attachment ? [attachment] : [];
          }),
        };
      },
      editMessage: ({ input }: EditMessageMutationVariables) => ({
        __typename: 'Message',
        id: input.messageId,
        body: input.body.trim(),
        editedAt: now(),
      }),
      deleteMessage: ({ input }: DeleteMessageMutationVariables) => ({
        __typename: 'Message',
        id: input.messageId,
        body: '',
        deletedAt: now(),
      }),
      markRead: ({ input }: MarkReadMutationVariables, cache) => {
        const room = roomKey(String(input.roomId));
        const lastRead = Math.max(numberOf(cache.resolve(room, 'viewerLastReadSeq')), input.seq);
        return {
          ...room,
          viewerLastReadSeq: lastRead,
          unreadCount: Math.max(0, numberOf(cache.resolve(room, 'lastSeq')) - lastRead),
        };
      },
    },
  });
