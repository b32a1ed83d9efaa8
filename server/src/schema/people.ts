import { queryFromInfo } from '@pothos/plugin-prisma';
import * as notifications from '../chat/notifications.js';
import * as people from '../chat/people.js';
import * as push from '../integrations/push.js';
import { unauthenticated } from '../errors.js';
import { notificationChannel } from '../realtime/channels.js';
import type { NotificationEvent } from '../realtime/notifications.js';
import { channelStream } from '../realtime/stream.js';
import { batchOf } from './loaders.js';
import { builder, forwardPageArgs } from './builder.js';
import { viewerDependent, viewerIdOf, type Context } from './context.js';
import { idOf } from './ids.js';
import { limit, nodeQuery } from './room.js';
import { UserConnection, UserRef } from './user.js';

/**
 * People: profiles, friends, blocks and the notification inbox (API.md, "People"). Resolvers
 * translate ids and call chat/people.ts and chat/notifications.ts.
 */

const NOBODY = '00000000-0000-0000-0000-000000000000';

const signedIn = (ctx: Context) => {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer.userId;
};

export const FriendshipStateRef = builder.enumType('FriendshipState', {
  description: 'Where the viewer stands with a user.',
  values: {
    NONE: { description: 'Not friends, nothing asked.' },
    REQUESTED: { description: 'The viewer asked them to be friends; they have not answered.' },
    INCOMING: { description: 'They asked the viewer to be friends.' },
    FRIENDS: { description: 'Friends.' },
    BLOCKED: { description: 'The viewer blocked them.' },
  },
});

export const DirectMessagePolicyRef = builder.enumType('DirectMessagePolicy', {
  description: 'Who may open a direct room with a user.',
  values: {
    EVERYONE: { description: 'Any user they have not blocked.' },
    FRIENDS: { description: 'Their friends only.' },
  },
});

export const NotificationKindRef = builder.enumType('NotificationKind', {
  description: 'What a notification tells of.',
  values: {
    MENTION: { description: 'Someone named the user as @username in a message.' },
    REPLY: { description: 'A reply in a thread the user started or replied in.' },
    DIRECT_MESSAGE: { description: 'A message in a direct room of the user.' },
    INVITATION: { description: 'Someone invited the user to a PRIVATE room.' },
    FRIEND_REQUEST: { description: 'Someone asked the user to be friends.' },
  },
});

// ——— User ——————————————————————————————————————————————————————————————————————————————————————

builder.objectFields(UserRef, (t) => ({
  avatarUrl: t.string({
    nullable: true,
    description: 'Their avatar (a signed image URL, expires); null: show their initials.',
    resolve: async (user, _args, ctx) => {
      // Users are read with their avatar's key (a public column); one carried by an event of a
      // replica that did not carry it yet is looked up.
      const key =
        user.avatarKey !== undefined
          ? user.avatarKey
          : await batchOf(ctx.services.db, 'avatarKeys', (ids: readonly string[]) =>
              people.avatarKeys(ctx.services.db.prisma, ids),
            ).load(user.id);
      return key
        ? people.avatarUrl({ store: ctx.services.store, settings: ctx.services.config.attachments }, key)
        : null;
    },
  }),
  friendship: t.field({
    ...viewerDependent,
    type: FriendshipStateRef,
    description: 'Where the viewer stands with them; NONE for guests and for the viewer themself.',
    resolve: (user, _args, ctx) => {
      const viewerId = viewerIdOf(ctx);
      if (!viewerId || viewerId === user.id) return 'NONE';
      return batchOf(ctx.services.db, 'friendship', async (keys: readonly { viewerId: string; userId: string }[]) => {
        const byViewer = new Map<string, string[]>();
        for (const key of keys) byViewer.set(key.viewerId, [...(byViewer.get(key.viewerId) ?? []), key.userId]);
        const answers = new Map<string, people.FriendshipState>();
        for (const [viewer, ids] of byViewer) {
          const states = await people.friendshipStates(ctx.services.db.prisma, viewer, ids);
          ids.forEach((id, i) => answers.set(`${viewer}:${id}`, states[i]!));
        }
        return keys.map((key) => answers.get(`${key.viewerId}:${key.userId}`) ?? 'NONE');
      }).load({ viewerId, userId: user.id });
    },
  }),
  directMessagePolicy: t.field({
    ...viewerDependent,
    type: DirectMessagePolicyRef,
    nullable: true,
    description: 'Who may open a direct room with them: shown to the user themself only (null for others).',
    resolve: async (user, _args, ctx) => {
      if (viewerIdOf(ctx) !== user.id) return null;
      const row = await ctx.services.db.prisma.user.findUnique({
        where: { id: user.id },
        select: { directMessagePolicy: true },
      });
      return row?.directMessagePolicy ?? null;
    },
  }),
}));

builder.prismaObjectField('Message', 'authorBlocked', (t) =>
  t.boolean({
    ...viewerDependent,
    description: 'The viewer blocked its author (the message is still stored and shown collapsed).',
    select: { authorId: true },
    resolve: (message, _args, ctx) => {
      const viewerId = viewerIdOf(ctx);
      if (!viewerId || viewerId === message.authorId) return false;
      return batchOf(ctx.services.db, 'authorBlocked', async (keys: readonly string[]) => {
        const pairs = keys.map((key) => key.split(':') as [string, string]);
        const byViewer = new Map<string, string[]>();
        for (const [viewer, author] of pairs) byViewer.set(viewer, [...(byViewer.get(viewer) ?? []), author]);
        const blocked = new Set<string>();
        for (const [viewer, authors] of byViewer) {
          for (const author of await people.blockedAmong(ctx.services.db.prisma, viewer, authors)) {
            blocked.add(`${viewer}:${author}`);
          }
        }
        return keys.map((key) => blocked.has(key));
      }).load(`${viewerId}:${message.authorId}`);
    },
  }),
);

// ——— Notifications ——————————————————————————————————————————————————————————————————————————————

export const NotificationRef = builder.prismaNode('Notification', {
  description: 'One entry of the viewer\u2019s inbox.',
  id: { field: 'id' },
  // node(id) finds only the viewer's own, and only those their inbox shows.
  findUnique: (id, ctx) => {
    const userId = ctx.viewer?.userId ?? NOBODY;
    return { id, userId, ...notifications.visibleNotifications(userId) };
  },
  fields: (t) => ({
    kind: t.expose('kind', { type: NotificationKindRef, description: 'What it tells of.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made.' }),
    readAt: t.expose('readAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the viewer marked it read; null while unread.',
    }),
    room: t.relation('room', {
      nullable: true,
      description: 'The room: of the message (MENTION, REPLY, DIRECT_MESSAGE) or the invitation (INVITATION).',
    }),
    message: t.relation('message', {
      nullable: true,
      description: 'The message it is about (MENTION, REPLY, DIRECT_MESSAGE); jump to it with messagesAround.',
    }),
    actor: t.relation('actor', { description: 'Who caused it.' }),
  }),
});

export const NotificationConnection = builder.connectionObject(
  { type: NotificationRef, name: 'NotificationConnection', description: 'A page of notifications, newest first.' },
  { description: 'A notification in a page of notifications.' },
);

builder.queryFields((t) => ({
  friends: t.field({
    type: UserConnection,
    description: 'The viewer\u2019s friends, by username.',
    args: forwardPageArgs,
    resolve: (_root, args, ctx) =>
      people.listFriends(ctx.services.db.prisma, ctx.services.cursorSecret, signedIn(ctx), args),
  }),
  friendRequests: t.field({
    type: UserConnection,
    description: 'The users who asked the viewer to be friends (incoming requests), by username.',
    args: forwardPageArgs,
    resolve: (_root, args, ctx) =>
      people.listFriendRequests(ctx.services.db.prisma, ctx.services.cursorSecret, signedIn(ctx), args),
  }),
  blockedUsers: t.field({
    type: UserConnection,
    description: 'The users the viewer blocked, by username.',
    args: forwardPageArgs,
    resolve: (_root, args, ctx) =>
      people.listBlockedUsers(ctx.services.db.prisma, ctx.services.cursorSecret, signedIn(ctx), args),
  }),
  notifications: t.field({
    type: NotificationConnection,
    description: 'The viewer\u2019s notifications, newest first (none from users they blocked).',
    args: {
      ...forwardPageArgs,
      unreadOnly: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Only the unread ones.',
      }),
    },
    resolve: (_root, args, ctx, info) =>
      notifications.listNotifications(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        signedIn(ctx),
        args,
        nodeQuery(ctx, info, 'Notification'),
      ),
  }),
  unreadNotificationCount: t.int({
    description: 'How many of the viewer\u2019s notifications are unread.',
    resolve: (_root, _args, ctx) => notifications.unreadNotificationCount(ctx.services.db.prisma, signedIn(ctx)),
  }),
}));

// ——— Mutations —————————————————————————————————————————————————————————————————————————————————

const UpdateProfileInput = builder.inputType('UpdateProfileInput', {
  description: 'What to change of the viewer\u2019s profile; what is omitted stays as it is.',
  fields: (t) => ({
    displayName: t.string({
      required: false,
      description: 'At most 64 characters, trimmed; null or "" removes it.',
    }),
    avatarAttachmentId: t.id({
      required: false,
      description: 'An image the viewer uploaded (uploadAttachment), to be their avatar; null: back to initials.',
    }),
    directMessagePolicy: t.field({
      type: DirectMessagePolicyRef,
      required: false,
      description: 'Who may open a direct room with the viewer.',
    }),
  }),
});
const UsernameInput = builder.inputType('UsernameInput', {
  description: 'Another user, by username.',
  fields: (t) => ({ username: t.string({ description: 'Their username, in any case; not the viewer\u2019s own.' }) }),
});
const FriendResponseInput = builder.inputType('FriendResponseInput', {
  description: 'The answer to a friend request.',
  fields: (t) => ({
    username: t.string({ description: 'Who asked, in any case.' }),
    accept: t.boolean({ description: 'True: become friends; false: decline.' }),
  }),
});
const MarkNotificationsReadInput = builder.inputType('MarkNotificationsReadInput', {
  description: 'Which notifications to mark read: `ids`, or `all`; exactly one of the two.',
  fields: (t) => ({
    ids: t.idList({ required: false, description: 'Up to 100 of the viewer\u2019s notifications.' }),
    all: t.boolean({ required: false, description: 'True: every unread notification of the viewer.' }),
  }),
});

/** A user as the request asks for them, after a mutation about them. */
const reloadUser = (ctx: Context, info: Parameters<typeof queryFromInfo>[0]['info'], id: string) =>
  ctx.services.db.prisma.user.findUniqueOrThrow({
    ...(queryFromInfo({ context: ctx, info }) as object),
    where: { id },
  });

builder.mutationFields((t) => ({
  updateProfile: t.field({
    type: UserRef,
    description:
      'Changes the viewer\u2019s display name, avatar or direct-message policy; every room they are in hears UserUpdated.',
    args: { input: t.arg({ type: UpdateProfileInput, description: 'What to change.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { user, roomIds } = await people.updateProfile(
        { prisma: ctx.services.db.prisma, store: ctx.services.store, settings: ctx.services.config.attachments },
        viewerIdOf(ctx),
        {
          ...(input.displayName !== undefined && { displayName: input.displayName }),
          ...(input.directMessagePolicy !== undefined && { directMessagePolicy: input.directMessagePolicy }),
          ...(input.avatarAttachmentId !== undefined && {
            avatarAttachmentId:
              input.avatarAttachmentId === null
                ? null
                : idOf('Attachment', input.avatarAttachmentId, 'avatarAttachmentId'),
          }),
        },
      );
      for (const roomId of roomIds) ctx.services.events.publish({ type: 'UserUpdated', roomId, userId: user.id });
      return reloadUser(ctx, info, user.id) as never;
    },
  }),
  sendFriendRequest: t.field({
    type: UserRef,
    description: 'Asks a user to be friends; when they already asked the viewer, this makes them friends.',
    args: { input: t.arg({ type: UsernameInput, description: 'Who to ask.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      await limit(ctx, 'invite'); // a friend request costs what an invitation does
      const { user, notification } = await people.sendFriendRequest(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        input.username,
      );
      ctx.services.notifications.publish([notification]);
      return reloadUser(ctx, info, user.id) as never;
    },
  }),
  respondToFriendRequest: t.field({
    type: UserRef,
    description: 'Accepts or declines a friend request the viewer received.',
    args: { input: t.arg({ type: FriendResponseInput, description: 'Who asked, and the answer.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const user = await people.respondToFriendRequest(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        input.username,
        input.accept,
      );
      return reloadUser(ctx, info, user.id) as never;
    },
  }),
  removeFriend: t.field({
    type: UserRef,
    description: 'Ends a friendship (or withdraws the viewer\u2019s request).',
    args: { input: t.arg({ type: UsernameInput, description: 'The friend.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const user = await people.removeFriend(ctx.services.db.prisma, viewerIdOf(ctx), input.username);
      return reloadUser(ctx, info, user.id) as never;
    },
  }),
  blockUser: t.field({
    type: UserRef,
    description:
      'Blocks a user: no direct rooms, invitations, friend requests or notifications from them; their messages show authorBlocked.',
    args: { input: t.arg({ type: UsernameInput, description: 'Who to block.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const user = await people.blockUser(ctx.services.db.prisma, viewerIdOf(ctx), input.username);
      return reloadUser(ctx, info, user.id) as never;
    },
  }),
  unblockUser: t.field({
    type: UserRef,
    description: 'Unblocks a user; unblocking someone not blocked changes nothing.',
    args: { input: t.arg({ type: UsernameInput, description: 'Who to unblock.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const user = await people.unblockUser(ctx.services.db.prisma, viewerIdOf(ctx), input.username);
      return reloadUser(ctx, info, user.id) as never;
    },
  }),
  markNotificationsRead: t.int({
    description: 'Marks the viewer\u2019s notifications read (`ids`, or `all`); returns how many changed.',
    args: { input: t.arg({ type: MarkNotificationsReadInput, description: 'Which notifications.' }) },
    resolve: (_root, { input }, ctx) =>
      notifications.markNotificationsRead(ctx.services.db.prisma, signedIn(ctx), {
        ids: input.ids?.map((id) => idOf('Notification', id, 'ids')) ?? null,
        all: input.all ?? null,
      }),
  }),
}));

// ——— Live ——————————————————————————————————————————————————————————————————————————————————————

builder.subscriptionField('notificationAdded', (t) =>
  t.field({
    type: NotificationRef,
    description: 'The viewer\u2019s new notifications as they are made, on any replica. Signed-in users only.',
    subscribe: (_root, _args, ctx) => {
      const userId = signedIn(ctx);
      return channelStream<NotificationEvent>(ctx.services.bus.pubsub, [notificationChannel(userId)], (event) =>
        event.userId === userId ? event : undefined,
      ) as never;
    },
    resolve: (event, _args, ctx, info) => {
      const { notificationId } = event as unknown as NotificationEvent;
      return ctx.services.db.prisma.notification.findUniqueOrThrow({
        ...(queryFromInfo({ context: ctx, info }) as object),
        where: { id: notificationId },
      }) as never;
    },
  }),
);

// ——— Web Push ——————————————————————————————————————————————————————————————————————————————————

const PushKeysInput = builder.inputType('PushKeysInput', {
  description: 'A push subscription\u2019s keys, as the browser\u2019s PushSubscription.toJSON() gives them.',
  fields: (t) => ({
    p256dh: t.string({ description: 'The browser\u2019s P-256 public key, base64url (65 bytes).' }),
    auth: t.string({ description: 'The authentication secret, base64url (16 bytes).' }),
  }),
});
const PushSubscriptionInput = builder.inputType('PushSubscriptionInput', {
  description: 'A browser\u2019s Web Push subscription (PushSubscription.toJSON()).',
  fields: (t) => ({
    endpoint: t.string({ description: 'The push service URL: https, on a public address.' }),
    keys: t.field({ type: PushKeysInput, description: 'Its keys.' }),
  }),
});
const PushEndpointInput = builder.inputType('PushEndpointInput', {
  description: 'A push subscription, by its endpoint.',
  fields: (t) => ({ endpoint: t.string({ description: 'The endpoint it was registered with.' }) }),
});

builder.queryField('vapidPublicKey', (t) =>
  t.string({
    description: 'The server\u2019s VAPID public key (base64url): the applicationServerKey browsers subscribe with.',
    resolve: (_root, _args, ctx) => ctx.services.push.vapidPublicKey,
  }),
);

builder.mutationFields((t) => ({
  registerPushSubscription: t.boolean({
    description:
      'Registers the viewer\u2019s browser for Web Push: notifications made while they have no live connection are pushed to it.',
    args: { input: t.arg({ type: PushSubscriptionInput, description: 'The subscription.' }) },
    resolve: (_root, { input }, ctx) =>
      push.registerPushSubscription(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        input,
        ctx.services.config.push.allowPrivate,
      ),
  }),
  unregisterPushSubscription: t.boolean({
    description: 'Stops pushing to a browser of the viewer; false when it was not registered.',
    args: { input: t.arg({ type: PushEndpointInput, description: 'The subscription\u2019s endpoint.' }) },
    resolve: (_root, { input }, ctx) =>
      push.unregisterPushSubscription(ctx.services.db.prisma, viewerIdOf(ctx), input.endpoint),
  }),
}));
