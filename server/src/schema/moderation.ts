import { queryFromInfo } from '@pothos/plugin-prisma';
import * as moderation from '../chat/moderation.js';
import type { MembershipWithUser } from '../chat/moderation.js';
import { builder, forwardPageArgs } from './builder.js';
import { viewerIdOf, type Context } from './context.js';
import { idOf } from './ids.js';
import { nodeQuery, reloaded, RoomRef, RoomRoleRef } from './room.js';
import { UserRef } from './user.js';

/**
 * Roles and moderation (API.md, "Roles and moderation"): members with their roles, room settings,
 * removing, banning and muting, archiving, reports and the audit log. The rules are in
 * chat/moderation.ts and chat/policy.ts; each change is announced as a RoomEvent.
 */

const NOBODY = '00000000-0000-0000-0000-000000000000';
/** Rooms the viewer owns or moderates: whose reports node(id) may find. */
const moderatedRooms = (ctx: Context) => ({
  memberships: {
    some: { userId: ctx.viewer?.userId ?? NOBODY, role: { in: ['OWNER' as const, 'MODERATOR' as const] } },
  },
});

export const RoomMemberRef = builder.objectRef<MembershipWithUser>('RoomMember').implement({
  description: 'A member of a room, with their role there.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The member.', resolve: (m) => m.user as never }),
    role: t.field({ type: RoomRoleRef, description: 'Their role in the room.', resolve: (m) => m.role }),
    joinedAt: t.field({ type: 'DateTime', description: 'When they joined.', resolve: (m) => m.joinedAt }),
    mutedUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Until when they are muted; null when not muted.',
      resolve: (m) => (m.mutedUntil && m.mutedUntil.getTime() > Date.now() ? m.mutedUntil : null),
    }),
  }),
});

const RoomMemberConnection = builder.connectionObject(
  {
    type: RoomMemberRef,
    name: 'RoomMemberConnection',
    description: 'A page of a room\u2019s members with their roles.',
  },
  { description: 'A member in a page of members.' },
);

builder.prismaObjectField('Room', 'memberships', (t) =>
  t.field({
    type: RoomMemberConnection,
    description:
      'The members with their roles, by username (any case). FORBIDDEN where the viewer may not read the room.',
    args: forwardPageArgs,
    select: { id: true },
    resolve: (room, args, ctx, info) =>
      moderation.listMemberships(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        room.id,
        args,
        queryFromInfo({ context: ctx, info, typeName: 'User', path: ['edges', 'node', 'user'] }) as never,
      ),
  }),
);

export const MessageReportRef = builder.prismaNode('MessageReport', {
  id: { field: 'id' },
  description: 'A reader\u2019s report of a message, seen by the room\u2019s owners and moderators.',
  findUnique: (id, ctx) => ({ id, room: moderatedRooms(ctx) }),
  fields: (t) => ({
    message: t.relation('message', { description: 'The message reported.' }),
    reporter: t.relation('reporter', { description: 'Who reported it.' }),
    reason: t.exposeString('reason', { description: 'Why, in the reporter\u2019s words.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was reported.' }),
  }),
});

const MessageReportConnection = builder.connectionObject(
  { type: MessageReportRef, name: 'MessageReportConnection', description: 'A page of reports, newest first.' },
  { description: 'A report in a page of reports.' },
);

export const ModerationActionRef = builder.enumType('ModerationAction', {
  description: 'What an entry of a room\u2019s audit log records.',
  values: {
    ROLE_CHANGED: { description: 'An owner changed a member\u2019s role (details: from, role).' },
    ROOM_UPDATED: { description: 'The name, topic or slow mode changed (details: the new values).' },
    MEMBER_REMOVED: { description: 'A member was removed (kicked).' },
    MEMBER_BANNED: { description: 'A user was banned (details: until).' },
    MEMBER_UNBANNED: { description: 'A ban was lifted.' },
    MEMBER_MUTED: { description: 'A member was muted (details: until).' },
    MEMBER_UNMUTED: { description: 'A mute was lifted.' },
    ROOM_ARCHIVED: { description: 'The room was archived (read-only).' },
    ROOM_UNARCHIVED: { description: 'The room was unarchived.' },
    MESSAGE_DELETED: { description: 'An owner or moderator deleted someone else\u2019s message.' },
  },
});

const AuditEntryRef = builder.prismaObject('RoomAuditEntry', {
  description: 'One moderating action in a room: who, what, to whom, why, when.',
  fields: (t) => ({
    action: t.expose('action', { type: ModerationActionRef, description: 'What was done.' }),
    actor: t.relation('actor', { nullable: true, description: 'Who did it; null if their account is gone.' }),
    targetUser: t.relation('targetUser', { nullable: true, description: 'The member it was done to, if any.' }),
    targetMessage: t.relation('targetMessage', { nullable: true, description: 'The message it was done to, if any.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'The reason given, if any.' }),
    details: t.string({
      nullable: true,
      description: 'What changed, as JSON (e.g. {"role":"MODERATOR"}); null when nothing more is told.',
      select: { details: true },
      resolve: (entry) => (entry.details == null ? null : JSON.stringify(entry.details)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was done.' }),
  }),
});

const AuditEntryConnection = builder.connectionObject(
  {
    type: AuditEntryRef,
    name: 'RoomAuditEntryConnection',
    description: 'A page of a room\u2019s audit log, newest first.',
  },
  { description: 'An entry in a page of the audit log.' },
);

builder.queryFields((t) => ({
  roomReports: t.field({
    type: MessageReportConnection,
    description: 'Reports of the room\u2019s messages, newest first: for its OWNERs and MODERATORs.',
    args: { roomId: t.arg.id({ description: 'The room\u2019s global id.' }), ...forwardPageArgs },
    resolve: (_root, args, ctx, info) =>
      moderation.listReports(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        idOf('Room', args.roomId, 'roomId'),
        args,
        nodeQuery(ctx, info, 'MessageReport'),
      ),
  }),
  roomAuditLog: t.field({
    type: AuditEntryConnection,
    description: 'What the room\u2019s owners and moderators did, newest first: for its OWNERs.',
    args: { roomId: t.arg.id({ description: 'The room\u2019s global id.' }), ...forwardPageArgs },
    resolve: (_root, args, ctx, info) =>
      moderation.listAuditLog(
        ctx.services.db.prisma,
        ctx.services.cursorSecret,
        viewerIdOf(ctx),
        idOf('Room', args.roomId, 'roomId'),
        args,
        nodeQuery(ctx, info, 'RoomAuditEntry'),
      ),
  }),
}));

const roomIdField = (t: { id: (options: { description: string }) => never }) =>
  t.id({ description: 'The room\u2019s global id.' });
const userIdField = (t: { id: (options: { description: string }) => never }) =>
  t.id({ description: 'The global id of the user acted on.' });
const reasonField = (t: { string: (options: { required: false; description: string }) => never }) =>
  t.string({ required: false, description: 'Why, for the audit log: at most 500 characters.' });

const UpdateRoomInput = builder.inputType('UpdateRoomInput', {
  description: 'New settings of a room; fields left out stay as they are.',
  fields: (t) => ({
    roomId: roomIdField(t as never),
    name: t.string({
      required: false,
      description: 'A new name (OWNERs only): 1–64 characters, unique among PUBLIC and PRIVATE rooms.',
    }),
    topic: t.string({ required: false, description: 'A new topic: at most 500 characters; null or "" clears it.' }),
    slowModeSeconds: t.int({
      required: false,
      description: 'A MEMBER may send one message per this many seconds: 0 (off) to 3600.',
    }),
  }),
});
const SetMemberRoleInput = builder.inputType('SetMemberRoleInput', {
  description: 'A member and their new role.',
  fields: (t) => ({
    roomId: roomIdField(t as never),
    userId: t.id({ description: 'The member\u2019s global id (the viewer\u2019s own, to step down).' }),
    role: t.field({ type: RoomRoleRef, description: 'The new role.' }),
  }),
});
const ModerateMemberInput = builder.inputType('ModerateMemberInput', {
  description: 'A member (or banned user) of a room, and why.',
  fields: (t) => ({
    roomId: roomIdField(t as never),
    userId: userIdField(t as never),
    reason: reasonField(t as never),
  }),
});
const BanMemberInput = builder.inputType('BanMemberInput', {
  description: 'Who to ban from a room, why, and until when.',
  fields: (t) => ({
    roomId: roomIdField(t as never),
    userId: userIdField(t as never),
    reason: reasonField(t as never),
    until: t.field({
      type: 'DateTime',
      required: false,
      description: 'When the ban ends: in the future, at most a year ahead; omitted: for good.',
    }),
  }),
});
const MuteMemberInput = builder.inputType('MuteMemberInput', {
  description: 'Who to mute in a room, and until when.',
  fields: (t) => ({
    roomId: roomIdField(t as never),
    userId: userIdField(t as never),
    until: t.field({ type: 'DateTime', description: 'When the mute ends: in the future, at most a year ahead.' }),
    reason: reasonField(t as never),
  }),
});
const ArchiveRoomInput = builder.inputType('ArchiveRoomInput', {
  description: 'The room to archive or unarchive.',
  fields: (t) => ({ roomId: roomIdField(t as never) }),
});
const ReportMessageInput = builder.inputType('ReportMessageInput', {
  description: 'The message to report, and why.',
  fields: (t) => ({
    messageId: t.id({ description: 'The global id of a message of a room the viewer may read; not their own.' }),
    reason: t.string({ description: 'Why: 1–500 characters.' }),
  }),
});

const ids = (input: { roomId: string | number; userId: string | number }) => ({
  roomId: idOf('Room', input.roomId, 'roomId'),
  userId: idOf('User', input.userId, 'userId'),
});

builder.mutationFields((t) => ({
  updateRoom: t.field({
    type: RoomRef,
    description:
      'Changes the topic and slow mode (OWNERs and MODERATORs) or the name (OWNERs). Not in DIRECT or archived rooms.',
    args: { input: t.arg({ type: UpdateRoomInput, description: 'The room and its new settings.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, changed } = await moderation.updateRoom(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...input,
        roomId: idOf('Room', input.roomId, 'roomId'),
      });
      if (changed) ctx.services.events.publish({ type: 'RoomUpdated', roomId: room.id });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  setMemberRole: t.field({
    type: RoomRef,
    description: 'An OWNER sets a member\u2019s role. The last OWNER stepping down is CONFLICT.',
    args: { input: t.arg({ type: SetMemberRoleInput, description: 'The member and their new role.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, userId, role, changed } = await moderation.setMemberRole(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...ids(input),
        role: input.role,
      });
      if (changed) ctx.services.events.publish({ type: 'MemberRoleChanged', roomId: room.id, userId, role });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  removeMember: t.field({
    type: RoomRef,
    description:
      'Removes (kicks) a member: they may rejoin a PUBLIC room. OWNERs and MODERATORs; a moderator not an owner or another moderator.',
    args: { input: t.arg({ type: ModerateMemberInput, description: 'The member, and why.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, userId } = await moderation.removeMember(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...ids(input),
        reason: input.reason,
      });
      ctx.services.events.publish({ type: 'MemberRemoved', roomId: room.id, userId, banned: false });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  banMember: t.field({
    type: RoomRef,
    description:
      'Bans a user: removed if a member, and unable to join or be invited until `until` (or ever). Like removeMember for who may.',
    args: { input: t.arg({ type: BanMemberInput, description: 'The user, why, and until when.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, userId, removed } = await moderation.banMember(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...ids(input),
        reason: input.reason,
        until: input.until,
      });
      if (removed) ctx.services.events.publish({ type: 'MemberRemoved', roomId: room.id, userId, banned: true });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  unbanMember: t.field({
    type: RoomRef,
    description: 'Lifts a ban. Not banned: nothing changes.',
    args: { input: t.arg({ type: ModerateMemberInput, description: 'The banned user, and why.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room } = await moderation.unbanMember(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...ids(input),
        reason: input.reason,
      });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  muteMember: t.field({
    type: RoomRef,
    description: 'Mutes a member until `until`: they cannot send, react or type; their typing stops at once.',
    args: { input: t.arg({ type: MuteMemberInput, description: 'The member, and until when.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, userId, until } = await moderation.muteMember(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...ids(input),
        until: input.until,
        reason: input.reason,
      });
      await ctx.services.typing.set(room.id, userId, false);
      ctx.services.events.publish({ type: 'MemberMuted', roomId: room.id, userId, until: until.toISOString() });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  unmuteMember: t.field({
    type: RoomRef,
    description: 'Lifts a mute. Not muted: nothing changes.',
    args: { input: t.arg({ type: ModerateMemberInput, description: 'The member, and why.' }) },
    resolve: async (_root, { input }, ctx, info) => {
      const { room, userId, changed } = await moderation.unmuteMember(ctx.services.db.prisma, viewerIdOf(ctx), {
        ...ids(input),
        reason: input.reason,
      });
      if (changed) ctx.services.events.publish({ type: 'MemberMuted', roomId: room.id, userId, until: null });
      return reloaded(ctx, info, 'room', room.id);
    },
  }),
  archiveRoom: t.field({
    type: RoomRef,
    description: 'An OWNER archives the room: read-only afterwards (sending and the like are FORBIDDEN).',
    args: { input: t.arg({ type: ArchiveRoomInput, description: 'The room.' }) },
    resolve: (_root, { input }, ctx, info) => archive(ctx, info, input.roomId, true),
  }),
  unarchiveRoom: t.field({
    type: RoomRef,
    description: 'An OWNER makes an archived room writable again.',
    args: { input: t.arg({ type: ArchiveRoomInput, description: 'The room.' }) },
    resolve: (_root, { input }, ctx, info) => archive(ctx, info, input.roomId, false),
  }),
  reportMessage: t.boolean({
    description:
      'Reports a message to the room\u2019s owners and moderators (see roomReports). Any signed-in reader; not one\u2019s own message. Reporting again changes nothing.',
    args: { input: t.arg({ type: ReportMessageInput, description: 'The message, and why.' }) },
    resolve: async (_root, { input }, ctx) => {
      await moderation.reportMessage(ctx.services.db.prisma, viewerIdOf(ctx), {
        messageId: idOf('Message', input.messageId, 'messageId'),
        reason: input.reason,
      });
      return true;
    },
  }),
}));

async function archive(
  ctx: Context,
  info: Parameters<typeof reloaded>[1],
  globalRoomId: string | number,
  archived: boolean,
) {
  const { room, changed } = await moderation.setArchived(
    ctx.services.db.prisma,
    viewerIdOf(ctx),
    idOf('Room', globalRoomId, 'roomId'),
    archived,
  );
  if (changed) ctx.services.events.publish({ type: 'RoomUpdated', roomId: room.id });
  return reloaded(ctx, info, 'room', room.id);
}
