import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import { answersMessageQuery } from '../chat/carried.js';
import * as rooms from '../chat/rooms.js';
import { unreadCount } from '../chat/rooms.js';
import { unauthenticated } from '../errors.js';
import type { LimitedAction } from '../infra/rate-limit.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder } from './builder.js';
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
  memberships: { where: { userId: ctx.viewer?.userId ?? NOBODY }, select: { lastReadSeq: true } },
});

export const RoomKind = builder.enumType('RoomKind', { values: ['PUBLIC', 'PRIVATE', 'DIRECT'] as const });

export const RoomRef = builder.prismaNode('Room', {
  id: { field: 'id' },
  // node(id) finds only rooms the viewer may read.
  findUnique: (id, ctx) => ({ id, ...readableRooms(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique for PUBLIC and PRIVATE rooms; "a & b" for DIRECT rooms.' }),
    kind: t.expose('kind', { type: RoomKind }),
    topic: t.exposeString('topic', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastActivityAt: t.expose('lastActivityAt', {
      type: 'DateTime',
      description: 'Time of the newest message (or creation).',
    }),
    memberCount: t.exposeInt('memberCount'),
    lastSeq: t.exposeInt('lastSeq', { description: 'seq of the newest message; 0 when there is none.' }),
    viewerIsMember: t.boolean({
      ...viewerDependent,
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
    members: t.field({
      ...viewerDependent,
      type: UserConnection,
      args: { first: t.arg.int({ required: false }), after: t.arg.string({ required: false }) },
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

export const RoomConnection = builder.connectionObject({ type: RoomRef, name: 'RoomConnection' });

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
   * its author's public ones, when a message comes with them).
   */
  written?: object,
) {
  const query = queryFromInfo({ context: ctx, info }) as object;
  if (written) {
    const answers =
      model === 'message' ? answersMessageQuery(query, 'author' in written) : Object.keys(query).length === 0;
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
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) =>
      rooms.getRoom(ctx.services.db.prisma, viewerIdOf(ctx), idOf('Room', args.id, 'id'), query),
  }),
  roomByName: t.prismaField({
    type: 'Room',
    nullable: true,
    args: { name: t.arg.string() },
    resolve: (query, _root, args, ctx) =>
      rooms.getRoomByName(ctx.services.db.prisma, viewerIdOf(ctx), args.name, query),
  }),
  publicRooms: t.field({
    type: RoomConnection,
    description: 'PUBLIC rooms by name; `search` keeps those whose name contains it (any case).',
    args: {
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
      search: t.arg.string({ required: false }),
    },
    resolve: (_root, args, ctx, info) =>
      rooms.listPublicRooms(ctx.services.db.prisma, ctx.services.cursorSecret, args, nodeQuery(ctx, info, 'Room')),
  }),
  myRooms: t.field({
    type: RoomConnection,
    description: 'The viewer\u2019s rooms, latest activity first.',
    args: { first: t.arg.int({ required: false }), after: t.arg.string({ required: false }) },
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
  fields: (t) => ({
    name: t.string({ description: '1–64 characters; unique among PUBLIC and PRIVATE rooms in any case.' }),
    kind: t.field({ type: RoomKind, description: 'PUBLIC or PRIVATE (DIRECT rooms come from openDirectRoom).' }),
    topic: t.string({ required: false }),
  }),
});
const JoinRoomInput = builder.inputType('JoinRoomInput', {
  fields: (t) => ({ roomId: t.id({ required: false }), name: t.string({ required: false }) }),
});
const LeaveRoomInput = builder.inputType('LeaveRoomInput', { fields: (t) => ({ roomId: t.id() }) });
const InviteToRoomInput = builder.inputType('InviteToRoomInput', {
  fields: (t) => ({ roomId: t.id(), username: t.string() }),
});
const OpenDirectRoomInput = builder.inputType('OpenDirectRoomInput', { fields: (t) => ({ username: t.string() }) });

builder.mutationFields((t) => ({
  createRoom: t.field({
    type: RoomRef,
    args: { input: t.arg({ type: CreateRoomInput }) },
    resolve: async (_root, { input }, ctx, info) => {
      await limit(ctx, 'createRoom');
      const room = await rooms.createRoom(ctx.services.db.prisma, viewerIdOf(ctx), input);
      await ctx.services.events.publish({ type: 'MemberJoined', roomId: room.id, userId: signedIn(ctx) });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  joinRoom: t.field({
    type: RoomRef,
    description: 'Joins a PUBLIC room, or a PRIVATE one with an invitation. Joining again changes nothing.',
    args: { input: t.arg({ type: JoinRoomInput }) },
    resolve: async (_root, { input }, ctx, info) => {
      const roomId = input.roomId != null ? idOf('Room', input.roomId, 'roomId') : null;
      const { room, joined } = await rooms.joinRoom(ctx.services.db.prisma, viewerIdOf(ctx), {
        roomId,
        name: input.name,
      });
      if (joined) await ctx.services.events.publish({ type: 'MemberJoined', roomId: room.id, userId: signedIn(ctx) });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  leaveRoom: t.field({
    type: RoomRef,
    args: { input: t.arg({ type: LeaveRoomInput }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, left } = await rooms.leaveRoom(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        idOf('Room', input.roomId, 'roomId'),
      );
      if (left) await ctx.services.events.publish({ type: 'MemberLeft', roomId: room.id, userId: signedIn(ctx) });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  inviteToRoom: t.field({
    type: RoomRef,
    description: 'A member of a PRIVATE room invites a user, who may then join it.',
    args: { input: t.arg({ type: InviteToRoomInput }) },
    resolve: async (_root, { input }, ctx, info) => {
      await limit(ctx, 'invite');
      const { room } = await rooms.inviteToRoom(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        idOf('Room', input.roomId, 'roomId'),
        input.username,
      );
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  openDirectRoom: t.field({
    type: RoomRef,
    description: 'The DIRECT room of the viewer and another user: the same room every time, whoever opens it.',
    args: { input: t.arg({ type: OpenDirectRoomInput }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, created, members } = await rooms.openDirectRoom(
        ctx.services.db.prisma,
        viewerIdOf(ctx),
        input.username,
      );
      if (created) {
        for (const userId of members)
          await ctx.services.events.publish({ type: 'MemberJoined', roomId: room.id, userId });
      }
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
}));
