import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import { answersMessageQuery, answersRoomQuery, partsOf } from '../chat/carried.js';
import * as rooms from '../chat/rooms.js';
import { can } from '../chat/policy.js';
import { sharesReadReceipts, unreadCount } from '../chat/rooms.js';
import { unauthenticated } from '../errors.js';
import type { LimitedAction } from '../infra/rate-limit.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder, forwardPageArgs } from './builder.js';
import { viewerDependent, viewerIdOf, type Context } from './context.js';
import { idOf } from './ids.js';
import { UserConnection } from './user.js';

/** A UUID no user has: stands in for "no viewer" in membership filters. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/** Rooms the viewer may read: PUBLIC ones, and the ones they belong to. */
export const readableRooms = (ctx: Context) =>
  ({
    OR: [{ kind: 'PUBLIC' as const }, { memberships: { some: { userId: ctx.viewer?.userId ?? NOBODY } } }],
  }) satisfies Prisma.RoomWhereInput;

/** The viewer's own membership, selected beside the room (no extra query per room). */
const viewerMembership = (_args: unknown, ctx: Context) => ({
  memberships: {
    where: { userId: ctx.viewer?.userId ?? NOBODY },
    select: { lastReadSeq: true, role: true, mutedUntil: true },
  },
});

export const RoomKind = builder.enumType('RoomKind', {
  description: 'Who may see and join a room.',
  values: {
    PUBLIC: { description: 'Anyone may read it (guests too) and any user may join it; listed by publicRooms.' },
    PRIVATE: { description: 'Only members may read it; a user joins with an invitation from a member.' },
    DIRECT: {
      description:
        'The conversation of two users, both members from the start; nobody else joins, and it cannot be left.',
    },
  },
});

export const RoomRoleRef = builder.enumType('RoomRole', {
  description: 'A member\u2019s role in a room: OWNER > MODERATOR > MEMBER. DIRECT rooms have only MEMBERs.',
  values: {
    OWNER: {
      description:
        'Everything a moderator may do, and renaming, archiving, roles, webhooks and the audit log. The creator is one; there may be several.',
    },
    MODERATOR: {
      description:
        'Changes the topic and slow mode, pins, deletes members\u2019 messages, removes, bans and mutes members, reads reports; not owners or other moderators.',
    },
    MEMBER: { description: 'Reads, sends, reacts; subject to slow mode.' },
  },
});

export const RoomRef = builder.prismaNode('Room', {
  description: 'A chat room: its settings, its members and its message history.',
  id: { field: 'id' },
  // node(id) finds only rooms the viewer may read.
  findUnique: (id, ctx) => ({ id, ...readableRooms(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique for PUBLIC and PRIVATE rooms; "a & b" for DIRECT rooms.' }),
    kind: t.expose('kind', { type: RoomKind, description: 'PUBLIC, PRIVATE or DIRECT; set at creation for good.' }),
    topic: t.exposeString('topic', { nullable: true, description: 'What the room is about; null when none was set.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the room was created.' }),
    lastActivityAt: t.expose('lastActivityAt', {
      type: 'DateTime',
      description: 'Time of the newest message (or creation).',
    }),
    memberCount: t.exposeInt('memberCount', { description: 'How many users are members now.' }),
    sharesReadReceipts: t.boolean({
      description:
        'Whether members\u2019 ReadReceipt events reach every member: in rooms of up to READ_RECEIPTS_MAX_MEMBERS members (20 by default). In larger rooms a receipt reaches only the reader\u2019s own sessions.',
      resolve: (room, _args, ctx) => sharesReadReceipts(room, ctx.services.config.readReceiptsMaxMembers),
    }),
    lastSeq: t.exposeInt('lastSeq', { description: 'seq of the newest message; 0 when there is none.' }),
    viewerIsMember: t.boolean({
      ...viewerDependent,
      description: 'The viewer is a member of the room; false for guests.',
      select: viewerMembership,
      resolve: (room) => room.memberships.length > 0,
    }),
    unreadCount: t.int({
      ...viewerDependent,
      description: 'Messages after the viewer\u2019s read position; 0 for guests and non-members.',
      select: (args, ctx) => ({ lastSeq: true, ...viewerMembership(args, ctx) }),
      resolve: (room) => unreadCount(room, room.memberships[0]),
    }),
    viewerLastReadSeq: t.int({
      ...viewerDependent,
      nullable: true,
      description: 'The viewer\u2019s read position; null for guests and non-members.',
      select: viewerMembership,
      resolve: (room) => room.memberships[0]?.lastReadSeq ?? null,
    }),
    viewerRole: t.field({
      ...viewerDependent,
      type: RoomRoleRef,
      nullable: true,
      description: 'The viewer\u2019s role in the room; null for guests and non-members.',
      select: viewerMembership,
      resolve: (room) => room.memberships[0]?.role ?? null,
    }),
    viewerMutedUntil: t.field({
      ...viewerDependent,
      type: 'DateTime',
      nullable: true,
      description: 'Until when the viewer is muted here (no sending, reacting or typing); null when not muted.',
      select: viewerMembership,
      resolve: (room) => {
        const until = room.memberships[0]?.mutedUntil;
        return until && until.getTime() > Date.now() ? until : null;
      },
    }),
    slowModeSeconds: t.exposeInt('slowModeSeconds', {
      description: 'A MEMBER may send one message per this many seconds (0: off); owners and moderators are exempt.',
    }),
    archivedAt: t.expose('archivedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the room was archived (read-only since); null while it is not.',
    }),
    viewerCanPin: t.boolean({
      ...viewerDependent,
      description: 'Whether the viewer may pin and unpin its messages (as pinMessage would allow).',
      select: (args, ctx) => ({ kind: true, archivedAt: true, ...viewerMembership(args, ctx) }),
      resolve: (room, _args, ctx) => {
        const membership = room.memberships[0];
        const resource = {
          kind: room.kind,
          isMember: membership !== undefined,
          role: membership?.role ?? null,
          archivedAt: room.archivedAt,
        };
        return can(ctx.viewer ? { userId: ctx.viewer.userId } : null, 'room.pin', resource);
      },
    }),
    members: t.field({
      ...viewerDependent,
      type: UserConnection,
      description: 'The members, by username (any case). FORBIDDEN where the viewer may not read the room.',
      args: forwardPageArgs,
      resolve: (room, args, ctx, info) =>
        rooms.listMembers(
          ctx.services.db.prisma,
          ctx.services.cursorSecret,
          viewerIdOf(ctx),
          room.id,
          args,
          nodeQuery(ctx, info, 'User'),
        ),
    }),
  }),
});

export const RoomConnection = builder.connectionObject(
  { type: RoomRef, name: 'RoomConnection', description: 'A page of rooms.' },
  { description: 'A room in a page of rooms.' },
);

/** The Prisma selection the GraphQL query asks of a connection's nodes (one query, no N+1). */
export function nodeQuery(ctx: Context, info: GraphQLResolveInfo, typeName: string) {
  return queryFromInfo({ context: ctx, info, typeName, path: ['edges', 'node'] }) as never;
}

/**
 * What a mutation returns, loaded with the selection the request asks for in one query. Without it
 * the missing fields would be loaded through node visibility, which fails for a room just left.
 */
export function reloaded(
  ctx: Context,
  info: GraphQLResolveInfo,
  model: 'room' | 'message',
  id: string,
  /**
   * The row as the mutation just wrote it, whole: it answers a selection of its own columns (and of
   * its author's public ones, when a message comes with them; of the viewer's membership, when a
   * room comes with `memberships` holding it).
   */
  written?: object,
) {
  const query = queryFromInfo({ context: ctx, info }) as object;
  if (written) {
    const answers =
      model === 'message'
        ? answersMessageQuery(query, partsOf(written))
        : answersRoomQuery(query, 'memberships' in written ? (ctx.viewer?.userId ?? null) : null);
    if (answers) return written as never;
  }
  const prisma = ctx.services.db.prisma;
  return (
    model === 'room'
      ? prisma.room.findUniqueOrThrow({ ...query, where: { id } })
      : prisma.message.findUniqueOrThrow({ ...query, where: { id } })
  ) as never;
}

/** Spends one attempt of an abuse-limited action for the viewer and their address. */
export const limit = (ctx: Context, action: LimitedAction) =>
  ctx.services.limits.consume(action, { userId: ctx.viewer?.userId, address: ctx.clientAddress });
const signedIn = (ctx: Context) => {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer.userId;
};

builder.queryFields((t) => ({
  room: t.prismaField({
    type: 'Room',
    nullable: true,
    description: 'A room by id. FORBIDDEN for a PRIVATE or DIRECT room the viewer is not a member of.',
    args: { id: t.arg.id({ description: 'The room\u2019s global id.' }) },
    resolve: (query, _root, args, ctx) =>
      rooms.getRoom(ctx.services.db.prisma, viewerIdOf(ctx), idOf('Room', args.id, 'id'), query),
  }),
  roomByName: t.prismaField({
    type: 'Room',
    nullable: true,
    description:
      'A PUBLIC or PRIVATE room by name, in any case. NOT_FOUND when there is none (DIRECT rooms have no name to find); FORBIDDEN like room(id).',
    args: { name: t.arg.string({ description: 'The room\u2019s name, in any case.' }) },
    resolve: (query, _root, args, ctx) =>
      rooms.getRoomByName(ctx.services.db.prisma, viewerIdOf(ctx), args.name, query),
  }),
  publicRooms: t.field({
    type: RoomConnection,
    description: 'PUBLIC rooms by name; `search` keeps those whose name contains it (any case).',
    args: {
      ...forwardPageArgs,
      search: t.arg.string({
        required: false,
        description: 'Keep only rooms whose name contains this (any case; at most 64 characters); empty means all.',
      }),
    },
    resolve: (_root, args, ctx, info) =>
      rooms.listPublicRooms(ctx.services.db.prisma, ctx.services.cursorSecret, args, nodeQuery(ctx, info, 'Room')),
  }),
  myRooms: t.field({
    type: RoomConnection,
    description: 'The viewer\u2019s rooms, latest activity first.',
    args: forwardPageArgs,
    resolve: (_root, args, ctx, info) =>
      rooms.listMyRooms(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        signedIn(ctx),
        args,
        nodeQuery(ctx, info, 'Room'),
      ),
  }),
}));

const CreateRoomInput = builder.inputType('CreateRoomInput', {
  description: 'A new PUBLIC or PRIVATE room.',
  fields: (t) => ({
    name: t.string({ description: '1–64 characters; unique among PUBLIC and PRIVATE rooms in any case.' }),
    kind: t.field({ type: RoomKind, description: 'PUBLIC or PRIVATE (DIRECT rooms come from openDirectRoom).' }),
    topic: t.string({
      required: false,
      description: 'At most 500 characters on one line, trimmed; empty or omitted means none.',
    }),
  }),
});
const JoinRoomInput = builder.inputType('JoinRoomInput', {
  description: 'The room to join, by id or by name: give exactly one of the two.',
  fields: (t) => ({
    roomId: t.id({ required: false, description: 'The room\u2019s global id.' }),
    name: t.string({ required: false, description: 'The room\u2019s name, in any case.' }),
  }),
});
const LeaveRoomInput = builder.inputType('LeaveRoomInput', {
  description: 'The room to leave.',
  fields: (t) => ({ roomId: t.id({ description: 'The room\u2019s global id.' }) }),
});
const InviteToRoomInput = builder.inputType('InviteToRoomInput', {
  description: 'Who to invite, and to which PRIVATE room.',
  fields: (t) => ({
    roomId: t.id({ description: 'The PRIVATE room\u2019s global id.' }),
    username: t.string({ description: 'The username of the user to invite, in any case.' }),
  }),
});
const OpenDirectRoomInput = builder.inputType('OpenDirectRoomInput', {
  description: 'The other user of the direct room.',
  fields: (t) => ({ username: t.string({ description: 'Their username, in any case; not the viewer\u2019s own.' }) }),
});

builder.mutationFields((t) => ({
  createRoom: t.field({
    type: RoomRef,
    description:
      'Creates a PUBLIC or PRIVATE room, with the viewer as its owner and only member. A taken name is CONFLICT.',
    args: { input: t.arg({ type: CreateRoomInput, description: 'The new room.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      await limit(ctx, 'createRoom');
      const room = await rooms.createRoom(ctx.services.db.prisma, viewerIdOf(ctx), input);
      ctx.services.events.publish({ type: 'MemberJoined', roomId: room.id, userId: signedIn(ctx) });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  joinRoom: t.field({
    type: RoomRef,
    description: 'Joins a PUBLIC room, or a PRIVATE one with an invitation. Joining again changes nothing.',
    args: { input: t.arg({ type: JoinRoomInput, description: 'The room to join.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const roomId = input.roomId != null ? idOf('Room', input.roomId, 'roomId') : null;
      const { room, joined } = await rooms.joinRoom(ctx.services.db.prisma, viewerIdOf(ctx), {
        roomId,
        name: input.name,
      });
      if (joined) ctx.services.events.publish({ type: 'MemberJoined', roomId: room.id, userId: signedIn(ctx) });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  leaveRoom: t.field({
    type: RoomRef,
    description:
      'Leaves a room; leaving a PUBLIC room one is not in changes nothing. DIRECT rooms cannot be left (FORBIDDEN).',
    args: { input: t.arg({ type: LeaveRoomInput, description: 'The room to leave.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, left } = await rooms.leaveRoom(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        idOf('Room', input.roomId, 'roomId'),
      );
      if (left) ctx.services.events.publish({ type: 'MemberLeft', roomId: room.id, userId: signedIn(ctx) });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  inviteToRoom: t.field({
    type: RoomRef,
    description: 'A member of a PRIVATE room invites a user, who may then join it.',
    args: { input: t.arg({ type: InviteToRoomInput, description: 'The room and the user to invite.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      await limit(ctx, 'invite');
      const { room, notification } = await rooms.inviteToRoom(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        idOf('Room', input.roomId, 'roomId'),
        input.username,
      );
      ctx.services.notifications.publish([notification]);
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  openDirectRoom: t.field({
    type: RoomRef,
    description: 'The DIRECT room of the viewer and another user: the same room every time, whoever opens it.',
    args: { input: t.arg({ type: OpenDirectRoomInput, description: 'The other user.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, created, members } = await rooms.openDirectRoom(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        input.username,
      );
      if (created) {
        for (const userId of members) ctx.services.events.publish({ type: 'MemberJoined', roomId: room.id, userId });
      }
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
}));
