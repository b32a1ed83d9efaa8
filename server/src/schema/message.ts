import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import {
  carryMessage,
  mentionsCarried,
  type MessageWithAuthor,
  PUBLIC_USER_SELECT,
  type PublicUser,
} from '../chat/carried.js';
import { mentionedUsers } from '../chat/mentions.js';
import * as messages from '../chat/messages.js';
import * as pins from '../chat/pins.js';
import { markRead } from '../chat/read-positions.js';
import { sharesReadReceipts } from '../chat/rooms.js';
import {
  addReaction,
  preloadedReactions,
  reactionCounts,
  type ReactionCount,
  type ReactionKey,
  reactionUsers,
  removeReaction,
} from '../chat/reactions.js';
import { parseCount } from '../chat/validation.js';
import type { Message } from '../generated/prisma/client.js';
import { builder, forwardPageArgs } from './builder.js';
import { viewerDependent, viewerIdOf, viewerSlot, type Context } from './context.js';
import { idOf } from './ids.js';
import { batchOf } from './loaders.js';
import { selects } from './lookahead.js';
import { UserRef } from './user.js';
import { limit, nodeQuery, readableRooms, reloaded, RoomRef } from './room.js';

/** The reactions of a message for the viewer, batched with the other loads of the moment. */
const reactionsOf = (ctx: Context, messageId: string) =>
  batchOf(ctx.services.db, 'reactions', (keys: readonly ReactionKey[]) => reactionCounts(ctx.services.db, keys)).load({
    messageId,
    viewerId: viewerIdOf(ctx),
    // A live event's one execution for every subscriber says who reacted, for each to find itself.
    reactors: ctx.viewerSlots !== undefined,
  });

/** How a page of messages is read for this request: its selection, and its reactions and mentions with it when asked for. */
const pageSelection = (ctx: Context, info: GraphQLResolveInfo): messages.PageSelection => ({
  query: nodeQuery(ctx, info, 'Message'),
  reactions: selects(info, ['edges', 'node', 'reactions']),
  mentions: selects(info, ['edges', 'node', 'mentions']),
});

export const ReactionCountRef = builder.objectRef<ReactionCount>('ReactionCount').implement({
  description: 'One emoji on a message: how many reacted with it, whether the viewer did, and who.',
  fields: (t) => ({
    emoji: t.exposeString('emoji', { description: 'One Unicode emoji, or a :shortcode: as typed.' }),
    count: t.exposeInt('count', { description: 'How many people reacted with it (at least 1).' }),
    viewerReacted: t.boolean({
      ...viewerSlot,
      description: 'Whether the viewer is one of them (false for guests).',
      resolve: (reaction, _args, ctx, info) => {
        const { reactors } = reaction;
        if (ctx.viewerSlots && reactors) ctx.viewerSlots.add(info, (viewerId) => reactors.includes(viewerId ?? ''));
        return reaction.viewerReacted;
      },
    }),
    users: t.field({
      type: [UserRef],
      description: 'Who reacted, earliest first: the first `first` (1–100, default 10).',
      args: { first: t.arg.int({ required: false, description: '1–100, default 10.' }) },
      resolve: (reaction, args, ctx) => {
        const first = args.first == null ? 10 : parseCount('first', args.first, 100);
        return batchOf(ctx.services.db, `reactionUsers:${first}`, (keys: readonly ReactionCount[]) =>
          reactionUsers(ctx.services.db, keys, first),
        ).load(reaction) as Promise<PublicUser[]> as never;
      },
    }),
  }),
});

export const MessageRef = builder.prismaNode('Message', {
  description: 'A message sent to a room.',
  id: { field: 'id' },
  // A message always comes with its author's public columns (a join in the same statement), so
  // `author` is read off the row rather than looked up per message.
  include: { author: { select: PUBLIC_USER_SELECT } },
  // node(id) finds only messages of rooms the viewer may read.
  findUnique: (id, ctx) => ({ id, room: readableRooms(ctx) }),
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: '1, 2, 3… per room, no gaps, in the order messages were stored.' }),
    room: t.relation('room', { description: 'The room it was sent to.' }),
    author: t.field({ type: UserRef, description: 'The user who sent it.', resolve: (message) => message.author }),
    body: t.exposeString('body', { description: '"" once deleted.' }),
    clientMessageId: t.string({
      ...viewerSlot,
      nullable: true,
      description: 'The idempotency key the author sent it with; shown to the author only.',
      select: { clientMessageId: true, authorId: true },
      resolve: (message, _args, ctx, info) => {
        const forViewer = (viewerId: string | null) =>
          viewerId !== null && message.authorId === viewerId ? message.clientMessageId : null;
        // Without a clientMessageId it is null for everyone: nothing to answer per viewer.
        if (message.clientMessageId !== null) ctx.viewerSlots?.add(info, forViewer);
        return forViewer(viewerIdOf(ctx));
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was stored.' }),
    editedAt: t.expose('editedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its body was last edited; null if it never was.',
    }),
    deletedAt: t.expose('deletedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its author deleted it; null while it is not deleted.',
    }),
    threadRoot: t.relation('threadRoot', {
      nullable: true,
      description: 'Set on a reply: the top-level message that started its thread.',
    }),
    threadRootId: t.id({
      nullable: true,
      description: 'The id of threadRoot, without loading it.',
      resolve: (message) => (message.threadRootId ? encodeGlobalID('Message', message.threadRootId) : null),
    }),
    replyCount: t.exposeInt('replyCount', {
      description: 'On a thread root: its replies, deleted ones excluded (0 on a reply).',
    }),
    lastReplyAt: t.expose('lastReplyAt', {
      type: 'DateTime',
      nullable: true,
      description: 'On a thread root: when its newest reply was sent.',
    }),
    pinnedAt: t.expose('pinnedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was pinned; null when not.',
    }),
    pinnedBy: t.relation('pinnedBy', { nullable: true, description: 'Who pinned it; null when not pinned.' }),
    reactions: t.field({
      type: [ReactionCountRef],
      description: 'Its reactions, most used first (then the first used first); none with a count of 0.',
      resolve: (message, _args, ctx) =>
        preloadedReactions(message, viewerIdOf(ctx), ctx.viewerSlots !== undefined) ?? reactionsOf(ctx, message.id),
    }),
    mentions: t.field({
      type: [UserRef],
      description: 'The users named as @username in the body who were members when it was stored (or last edited).',
      resolve: (message, _args, ctx) =>
        (mentionsCarried(message) ??
          batchOf(ctx.services.db, 'mentions', (ids: readonly string[]) => mentionedUsers(ctx.services.db, ids)).load(
            message.id,
          )) as never,
    }),
  }),
});

export const MessageConnection = builder.connectionObject(
  {
    type: MessageRef,
    name: 'MessageConnection',
    description: 'Edges are ordered oldest → newest, whichever way the page was read.',
  },
  { description: 'A message in a page of messages.' },
);

/** The paging arguments of a room's history (Room.messages and Query.messages). */
const historyArgs = builder.args((t) => ({
  first: t.int({
    required: false,
    description: 'Read forward: this many messages (1–100) after `after`, or from the oldest. Not with `last`.',
  }),
  after: t.string({
    required: false,
    description: 'A message cursor of this room (an edge\u2019s, or a live event\u2019s): the messages after it.',
  }),
  last: t.int({
    required: false,
    description: 'Read backward: this many messages (1–100) before `before`, or up to the newest. Not with `first`.',
  }),
  before: t.string({
    required: false,
    description: 'A message cursor of this room (an edge\u2019s, or a live event\u2019s): the messages before it.',
  }),
}));

builder.prismaObjectField('Room', 'messages', (t) =>
  t.field({
    type: MessageConnection,
    description: 'History, 1–100 a page: `first`/`after` forward, `last`/`before` backward; the newest 50 by default.',
    ...viewerDependent,
    args: historyArgs,
    select: { id: true },
    resolve: (room, args, ctx, info) =>
      messages.listMessages(
        ctx.services.db,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        room.id,
        args,
        pageSelection(ctx, info),
      ),
  }),
);

builder.queryFields((t) => ({
  messages: t.field({
    type: MessageConnection,
    description: 'A room\u2019s history; the same as Room.messages.',
    args: { roomId: t.arg.id({ description: 'The room\u2019s global id.' }), ...historyArgs },
    resolve: (_root, { roomId, ...args }, ctx, info) =>
      messages.listMessages(
        ctx.services.db,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        idOf('Room', roomId, 'roomId'),
        args,
        pageSelection(ctx, info),
      ),
  }),
  messagesAround: t.field({
    type: MessageConnection,
    description:
      'Jumping to a message: `limit` (1–100) top-level messages around seq, (limit − 1) / 2 before it and the rest from it on, fewer at the room\u2019s ends. Page on with `messages(before:/after:)` from its cursors.',
    args: {
      roomId: t.arg.id({ description: 'The room.' }),
      seq: t.arg.int({ description: 'The seq of the message to center on (1 up to the room\u2019s lastSeq).' }),
      limit: t.arg.int({ required: false, defaultValue: 50, description: 'How many messages in all: 1–100.' }),
    },
    resolve: (_root, args, ctx, info) =>
      messages.messagesAround(
        ctx.services.db,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        idOf('Room', args.roomId, 'roomId'),
        args.seq,
        args.limit,
        pageSelection(ctx, info),
      ),
  }),
  threadMessages: t.field({
    type: MessageConnection,
    description:
      'A thread\u2019s replies, oldest → newest: `first`/`after` forward, `last`/`before` backward; the newest 50 by default.',
    args: {
      messageId: t.arg.id({ description: 'The thread\u2019s root message.' }),
      first: t.arg.int({ required: false, description: '1–100 replies after `after`.' }),
      after: t.arg.string({ required: false, description: 'A cursor of this thread.' }),
      last: t.arg.int({ required: false, description: '1–100 replies before `before`.' }),
      before: t.arg.string({ required: false, description: 'A cursor of this thread.' }),
    },
    resolve: (_root, { messageId, ...args }, ctx, info) =>
      messages.threadMessages(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        idOf('Message', messageId, 'messageId'),
        args,
        nodeQuery(ctx, info, 'Message'),
      ),
  }),
  messagesSince: t.prismaField({
    type: ['Message'],
    description: 'Gap recovery: the messages after seq `afterSeq`, ascending (up to `first`, 1–1000, default 100).',
    args: {
      roomId: t.arg.id({ description: 'The room\u2019s global id.' }),
      afterSeq: t.arg.int({ description: 'The last seq the client has (0 for all): messages after it are returned.' }),
      first: t.arg.int({ required: false, description: 'How many messages at most: 1–1000, 100 when omitted.' }),
    },
    resolve: (query, _root, args, ctx) =>
      messages.messagesSince(
        ctx.services.db,
        viewerIdOf(ctx),
        idOf('Room', args.roomId, 'roomId'),
        args.afterSeq,
        args.first,
        query,
      ),
  }),
  searchMessages: t.field({
    type: MessageConnection,
    description: 'Full-text search (web-search syntax) over the messages the viewer may read, best match first.',
    args: {
      query: t.arg.string({
        description: 'The words to find (web-search syntax: "a phrase", OR, -word); 1–256 characters.',
      }),
      roomId: t.arg.id({
        required: false,
        description: 'Search only this room (FORBIDDEN if the viewer may not read it); omit to search all.',
      }),
      ...forwardPageArgs,
    },
    resolve: (_root, args, ctx, info) =>
      messages.searchMessages(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        args.query,
        {
          roomId: args.roomId != null ? idOf('Room', args.roomId, 'roomId') : null,
          first: args.first,
          after: args.after,
        },
        nodeQuery(ctx, info, 'Message'),
      ),
  }),
}));

const SendMessageInput = builder.inputType('SendMessageInput', {
  description: 'A message to send.',
  fields: (t) => ({
    roomId: t.id({ description: 'The global id of the room, which the viewer must be a member of.' }),
    body: t.string({ description: '1–4000 characters after trimming; may be "" when attachments are given.' }),
    clientMessageId: t.string({
      required: false,
      description: 'Idempotency key (1–100 characters): sending again with it returns the first message.',
    }),
    attachmentIds: t.idList({
      required: false,
      description: 'Up to 10 of the viewer\u2019s uploads to this room (uploadAttachment), sent within 24 hours.',
    }),
    threadRootId: t.id({
      required: false,
      description: 'Sends a reply in the thread of this top-level message of the same room.',
    }),
  }),
});
const ReactionInput = builder.inputType('ReactionInput', {
  description: 'A reaction to a message.',
  fields: (t) => ({
    messageId: t.id({ description: 'The message.' }),
    emoji: t.string({ description: 'One Unicode emoji, or a :shortcode: of 2–32 characters a-z, 0-9, _, + or -.' }),
  }),
});
const PinMessageInput = builder.inputType('PinMessageInput', {
  description: 'A message to pin or unpin.',
  fields: (t) => ({ messageId: t.id({ description: 'The message.' }) }),
});
const EditMessageInput = builder.inputType('EditMessageInput', {
  description: 'A message\u2019s new body.',
  fields: (t) => ({
    messageId: t.id({ description: 'The global id of the message: the viewer\u2019s own, not deleted.' }),
    body: t.string({ description: 'The new body: 1–4000 characters after trimming.' }),
  }),
});
const DeleteMessageInput = builder.inputType('DeleteMessageInput', {
  description: 'The message to delete.',
  fields: (t) => ({
    messageId: t.id({
      description: 'The global id of the message: the viewer\u2019s own, or any in a room the viewer moderates.',
    }),
  }),
});
const MarkReadInput = builder.inputType('MarkReadInput', {
  description: 'How far the viewer has read a room.',
  fields: (t) => ({
    roomId: t.id({ description: 'The global id of the room, which the viewer must be a member of.' }),
    seq: t.int({ description: 'Read up to and including this seq.' }),
  }),
});

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: MessageRef,
    description:
      'Stores the message (then announces it). Sending again with the same clientMessageId returns the first. Muted members and archived rooms: FORBIDDEN; a MEMBER sending again within the room\u2019s slowModeSeconds: RATE_LIMITED with retryAfterMs.',
    args: { input: t.arg({ type: SendMessageInput, description: 'The message.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const roomId = idOf('Room', input.roomId, 'roomId');
      try {
        await limit(ctx, 'sendMessage');
      } catch (error) {
        // A resend of a message already stored (its answer was lost) gets that answer, not a refusal.
        const viewerId = viewerIdOf(ctx);
        const original =
          viewerId && input.clientMessageId
            ? await messages.storedBefore(ctx.services.db, viewerId, roomId, input.clientMessageId)
            : null;
        if (!original) throw error;
        return reloaded(ctx, info, 'message', original.id, original);
      }
      const threadRootId = input.threadRootId != null ? idOf('Message', input.threadRootId, 'threadRootId') : null;
      const { message, created, notifications } = await messages.sendMessage(
        ctx.services.db,
        viewerIdOf(ctx),
        {
          ...input,
          roomId,
          threadRootId,
          attachmentIds: input.attachmentIds?.map((id) => idOf('Attachment', id, 'attachmentIds')),
        },
        ctx.services.config.attachments,
        ctx.services.slowMode,
      );
      if (created) {
        ctx.services.metrics.messagesStored.inc();
        publishMessage(ctx, 'MessageCreated', message);
        if (message.threadRootId) publishAbout(ctx, 'ThreadUpdated', message.roomId, message.threadRootId);
        ctx.services.notifications.publish(notifications);
      }
      return reloaded(ctx, info, 'message', message.id, message);
    },
  }),
  editMessage: t.field({
    type: MessageRef,
    description:
      'The author replaces a message\u2019s body and editedAt is set; the same body again changes nothing. A deleted message cannot be edited.',
    args: { input: t.arg({ type: EditMessageInput, description: 'The message and its new body.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const messageId = idOf('Message', input.messageId, 'messageId');
      const { message, changed, notifications } = await messages.editMessage(
        ctx.services.db,
        viewerIdOf(ctx),
        messageId,
        input.body,
      );
      if (changed) publishMessage(ctx, 'MessageEdited', message);
      ctx.services.notifications.publish(notifications);
      return reloaded(ctx, info, 'message', message.id, message);
    },
  }),
  deleteMessage: t.field({
    type: MessageRef,
    description:
      'The author (or the room\u2019s owners and moderators) deletes a message: its body becomes "" and deletedAt is set; it keeps its place (seq) in the history. Deleting again changes nothing. A moderator cannot delete an owner\u2019s or another moderator\u2019s message.',
    args: { input: t.arg({ type: DeleteMessageInput, description: 'The message to delete.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const messageId = idOf('Message', input.messageId, 'messageId');
      const { message, changed } = await messages.deleteMessage(ctx.services.db, viewerIdOf(ctx), messageId);
      if (changed) {
        publishMessage(ctx, 'MessageDeleted', message);
        if (message.threadRootId) publishAbout(ctx, 'ThreadUpdated', message.roomId, message.threadRootId);
      }
      return reloaded(ctx, info, 'message', message.id, message);
    },
  }),
  addReaction: t.field({
    type: MessageRef,
    description:
      'Reacts to a message of a room the viewer is a member of. Adding the same reaction again changes nothing.',
    args: { input: t.arg({ type: ReactionInput, description: 'The message and the emoji.' }) },
    resolve: (_root, { input }, ctx, info) => react(ctx, info, input, true),
  }),
  removeReaction: t.field({
    type: MessageRef,
    description: 'Takes the viewer\u2019s reaction back. Removing one that is not there changes nothing.',
    args: { input: t.arg({ type: ReactionInput, description: 'The message and the emoji.' }) },
    resolve: (_root, { input }, ctx, info) => react(ctx, info, input, false),
  }),
  pinMessage: t.field({
    type: MessageRef,
    description:
      'Pins a message to its room: the room\u2019s owners and moderators (both people in a DIRECT room). Idempotent.',
    args: { input: t.arg({ type: PinMessageInput, description: 'The message.' }) },
    resolve: (_root, { input }, ctx, info) => pin(ctx, info, input.messageId, true),
  }),
  unpinMessage: t.field({
    type: MessageRef,
    description: 'Unpins a message: the same people as pinMessage. Idempotent.',
    args: { input: t.arg({ type: PinMessageInput, description: 'The message.' }) },
    resolve: (_root, { input }, ctx, info) => pin(ctx, info, input.messageId, false),
  }),
  markRead: t.field({
    type: RoomRef,
    description:
      'Moves the viewer\u2019s read position in a room forward to `seq` (at most the room\u2019s lastSeq); it never moves back. A move is told as a ReadReceipt: to the whole room when it sharesReadReceipts, to the viewer\u2019s own sessions otherwise.',
    args: { input: t.arg({ type: MarkReadInput, description: 'The room and how far it was read.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const roomId = idOf('Room', input.roomId, 'roomId');
      const { room, lastReadSeq, receipt } = await markRead(ctx.services.db, viewerIdOf(ctx), roomId, input.seq);
      if (receipt) {
        ctx.services.events.publish({
          type: 'ReadReceipt',
          roomId: room.id,
          userId: ctx.viewer!.userId,
          lastReadSeq,
          readerOnly: !sharesReadReceipts(room, ctx.services.config.readReceiptsMaxMembers),
          carried: receipt,
        });
      }
      return reloaded(ctx, info, 'room', room.id, room);
    },
  }),
}));

async function react(
  ctx: Context,
  info: GraphQLResolveInfo,
  input: { messageId: string | number; emoji: string },
  add: boolean,
) {
  await limit(ctx, 'react');
  const messageId = idOf('Message', input.messageId, 'messageId');
  const { message, emoji, changed, reactor } = await (add ? addReaction : removeReaction)(
    ctx.services.db,
    viewerIdOf(ctx),
    messageId,
    input.emoji,
  );
  if (changed) {
    ctx.services.events.publish({
      type: 'ReactionChanged',
      roomId: message.roomId,
      messageId: message.id,
      userId: ctx.viewer!.userId,
      emoji,
      added: add,
      carried: { user: reactor },
    });
  }
  return reloaded(ctx, info, 'message', message.id, message);
}

async function pin(ctx: Context, info: GraphQLResolveInfo, globalId: string | number, pinned: boolean) {
  const messageId = idOf('Message', globalId, 'messageId');
  const { message, changed } = await pins.setPinned(ctx.services.db.prisma, viewerIdOf(ctx), messageId, pinned);
  if (changed) publishAbout(ctx, pinned ? 'MessagePinned' : 'MessageUnpinned', message.roomId, message.id);
  return reloaded(ctx, info, 'message', message.id, message);
}

function publishAbout(
  ctx: Context,
  type: 'ThreadUpdated' | 'MessagePinned' | 'MessageUnpinned',
  roomId: string,
  messageId: string,
): void {
  ctx.services.events.publish({ type, roomId, messageId });
}

builder.prismaObjectField('Room', 'pinnedMessages', (t) =>
  t.prismaField({
    type: ['Message'],
    description: 'The room\u2019s pinned messages, the latest pinned first.',
    select: { id: true },
    resolve: (query, room, _args, ctx) => pins.pinnedMessages(ctx.services.db.prisma, room.id, query),
  }),
);

function publishMessage(
  ctx: Context,
  type: 'MessageCreated' | 'MessageEdited' | 'MessageDeleted',
  message: Message | MessageWithAuthor,
): void {
  ctx.services.events.publish({
    type,
    roomId: message.roomId,
    messageId: message.id,
    seq: message.seq,
    ...('author' in message ? { message: carryMessage(message) } : {}),
  });
}
