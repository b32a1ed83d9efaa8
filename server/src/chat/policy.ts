import { type AppError, badInput, forbidden, unauthenticated } from '../errors.js';
import type { MemberRole, RoomKind } from '../generated/prisma/client.js';

/**
 * Who may do what, in one place. Every operation of chat/ (and the subscriptions) asks here; the
 * rules are pure functions of the viewer and what the resource says about them, so they are tested
 * as a matrix without a database.
 *
 * Roles rank OWNER > MODERATOR > MEMBER. The room's creator is its OWNER; DIRECT rooms have no
 * owners or moderators (both people are equal there). A moderating action needs a rank above the
 * member it acts on: a moderator cannot act on an owner or another moderator. Archived rooms are
 * read-only; muted members cannot send, react or type.
 */

/** A signed-in user, or null for a guest. */
export type Viewer = { userId: string } | null;

export type RoomAction =
  | 'room.read'
  | 'room.join'
  | 'room.leave'
  | 'room.invite'
  | 'room.send'
  | 'room.type'
  | 'room.markRead'
  | 'room.react'
  | 'room.pin'
  | 'room.report'
  | 'room.update'
  | 'room.rename'
  | 'room.archive'
  | 'room.viewReports'
  | 'room.viewAuditLog'
  | 'room.manageWebhooks';
export type MessageAction = 'message.edit' | 'message.delete';
/** Actions on another user's standing in a room. */
export type MemberAction =
  | 'member.invite'
  | 'member.setRole'
  | 'member.remove'
  | 'member.ban'
  | 'member.unban'
  | 'member.mute'
  | 'member.unmute';
export type Action = RoomAction | MessageAction | MemberAction;

/** What a room rule needs to know: the room's kind and state, and where the viewer stands with it. */
export interface RoomResource {
  kind: RoomKind;
  /** The viewer is a member (false for guests). */
  isMember: boolean;
  /** The viewer holds an invitation to the room (only joinRoom needs to know). */
  isInvited?: boolean;
  /** The viewer is banned from the room now (only joinRoom needs to know). */
  isBanned?: boolean;
  /** The viewer's role in the room, when a member. */
  role?: MemberRole | null;
  /** Until when the viewer is muted in the room (a past time or null: not muted). */
  mutedUntil?: Date | null;
  /** Set while the room is archived (read-only). */
  archivedAt?: Date | null;
}

/** What a message rule needs to know: its author, and (to moderate it) its room and the author's role there. */
export interface MessageResource {
  authorId: string;
  /** The message's room, as the viewer stands with it. Without it only the author's own rights count. */
  room?: RoomResource;
  /** The author's role in the room now (null: no longer a member). */
  authorRole?: MemberRole | null;
}

/** What a rule about another member needs: the room as the viewer stands with it, and the member. */
export interface MemberResource extends RoomResource {
  targetUserId: string;
  /** The member's role; null when they are not a member. */
  targetRole: MemberRole | null;
  /** The member is banned from the room now. */
  targetIsBanned?: boolean;
}

export type ResourceOf<A extends Action> = A extends MessageAction
  ? MessageResource
  : A extends MemberAction
    ? MemberResource
    : RoomResource;

type Rule<A extends Action> = (viewer: { userId: string }, resource: ResourceOf<A>) => AppError | null;

const RANK: Record<MemberRole, number> = { OWNER: 3, MODERATOR: 2, MEMBER: 1 };
const rankOf = (role: MemberRole | null | undefined) => (role ? RANK[role] : 0);

export const isMuted = (mutedUntil: Date | null | undefined, now = Date.now()) =>
  mutedUntil != null && mutedUntil.getTime() > now;

/** What guests may do without signing in: read PUBLIC rooms. Everything else needs a user. */
function guestMay(action: Action, resource: RoomResource | MessageResource): boolean {
  return action === 'room.read' && 'kind' in resource && resource.kind === 'PUBLIC';
}

const membersOnly = (message: string) => (_viewer: unknown, room: RoomResource) =>
  room.isMember ? null : forbidden(message);

const archived = () => forbidden('This room is archived; it is read-only');

/** Members who may write to the room now: not while it is archived, nor while they are muted. */
const writers = (message: string) => (_viewer: unknown, room: RoomResource) => {
  if (!room.isMember) return forbidden(message);
  if (room.archivedAt) return archived();
  if (isMuted(room.mutedUntil)) return forbidden(`You are muted in this room until ${room.mutedUntil!.toISOString()}`);
  return null;
};

/** Members of at least `role` in a room that has roles (not DIRECT). */
const atLeast = (role: MemberRole, what: string, options: { whileArchived?: boolean } = {}) =>
  function rule(_viewer: unknown, room: RoomResource) {
    if (room.kind === 'DIRECT') return forbidden('A direct room has no owners or moderators');
    if (!room.isMember || rankOf(room.role) < RANK[role]) {
      return forbidden(`Only the room\u2019s ${role === 'OWNER' ? 'owners' : 'owners and moderators'} can ${what}`);
    }
    return room.archivedAt && !options.whileArchived ? archived() : null;
  };

/**
 * A moderating action on another member: the viewer needs `role` and (unless `anyRank`) a rank
 * above the member's; `needsMember`: the target must be a member; acting on oneself is refused.
 */
const onMember =
  (role: MemberRole, what: string, options: { needsMember: boolean; self?: boolean; anyRank?: boolean }) =>
  (viewer: { userId: string }, target: MemberResource) => {
    const refused = atLeast(role, what, { whileArchived: true })(viewer, target);
    if (refused) return refused;
    const self = target.targetUserId === viewer.userId;
    if (self && !options.self) return badInput('userId', `is yourself; you cannot ${what} yourself`);
    if (options.needsMember && target.targetRole === null) return badInput('userId', 'is not a member of this room');
    if (!self && !options.anyRank && rankOf(target.role) <= rankOf(target.targetRole)) {
      return forbidden(
        `A ${target.role!.toLowerCase()} cannot ${what} a${target.targetRole === 'OWNER' ? 'n owner' : ` ${target.targetRole!.toLowerCase()}`}`,
        'userId',
      );
    }
    return null;
  };

const rules: { [A in Action]: Rule<A> } = {
  'room.read': (_viewer, room) =>
    room.kind === 'PUBLIC' || room.isMember ? null : forbidden('Only members can read this room'),

  'room.join': (_viewer, room) => {
    if (room.isMember) return null; // idempotent
    if (room.kind === 'DIRECT') return forbidden('A direct room cannot be joined; open it with openDirectRoom');
    if (room.isBanned) return forbidden('You are banned from this room');
    if (room.kind === 'PUBLIC') return null;
    return room.isInvited ? null : forbidden('A private room needs an invitation');
  },

  'room.leave': (_viewer, room) => {
    if (room.kind === 'DIRECT') return forbidden('A direct room cannot be left');
    // Leaving a PUBLIC room you are not in changes nothing (idempotent); a PRIVATE one you cannot
    // see is not yours to leave.
    return room.kind === 'PUBLIC' || room.isMember ? null : forbidden('Only members can leave this room');
  },

  'room.invite': (_viewer, room) => {
    if (room.kind !== 'PRIVATE') return forbidden('Only private rooms take invitations');
    if (!room.isMember) return forbidden('Only members can invite to this room');
    return room.archivedAt ? archived() : null;
  },

  'room.send': writers('Only members can send messages to this room'),
  'room.type': writers('Only members can type in this room'),
  'room.react': writers('Only members can react to messages of this room'),
  'room.markRead': membersOnly('Only members have a read position in this room'),
  'room.manageWebhooks': (_viewer, room) =>
    room.isMember && room.role === 'OWNER' ? null : forbidden('Only the room\u2019s owner can manage its webhooks'),

  // Pinning is the room's OWNERs' and MODERATORs' (both people's in a DIRECT room).
  'room.pin': (_viewer, room) => {
    if (!room.isMember) return forbidden('Only members can pin messages of this room');
    if (room.archivedAt) return archived();
    if (room.kind === 'DIRECT' || rankOf(room.role) >= RANK.MODERATOR) return null;
    return forbidden('Only the room\u2019s owners and moderators can pin messages');
  },
  // Anyone signed in who may read the room may report one of its messages.
  'room.report': (viewer, room) => rules['room.read'](viewer, room),
  'room.update': atLeast('MODERATOR', 'change its settings'),
  'room.rename': atLeast('OWNER', 'rename it'),
  'room.archive': atLeast('OWNER', 'archive or unarchive it', { whileArchived: true }),
  'room.viewReports': atLeast('MODERATOR', 'see its reports', { whileArchived: true }),
  'room.viewAuditLog': atLeast('OWNER', 'read its audit log', { whileArchived: true }),

  'message.edit': (viewer, message) => {
    if (message.authorId !== viewer.userId) return forbidden('Only the author can edit this message');
    const room = message.room;
    if (!room) return null;
    if (room.archivedAt) return archived();
    return isMuted(room.mutedUntil) && room.isMember
      ? forbidden(`You are muted in this room until ${room.mutedUntil!.toISOString()}`)
      : null;
  },
  // Authors delete their own messages; owners and moderators others' (a moderator not an owner's
  // or another moderator's).
  'message.delete': (viewer, message) => {
    const room = message.room;
    if (room?.archivedAt) return archived();
    if (message.authorId === viewer.userId) return null;
    const moderates = room && room.kind !== 'DIRECT' && room.isMember && rankOf(room.role) >= RANK.MODERATOR;
    if (!moderates)
      return forbidden('Only the author, or the room\u2019s owners and moderators, can delete this message');
    const authorRank = rankOf(message.authorRole ?? 'MEMBER');
    return room.role === 'OWNER' || rankOf(room.role) > authorRank
      ? null
      : forbidden('A moderator cannot delete the messages of an owner or another moderator');
  },

  'member.invite': (viewer, target) =>
    rules['room.invite'](viewer, target) ??
    (target.targetIsBanned ? forbidden('The user is banned from this room', 'username') : null),
  'member.setRole': onMember('OWNER', 'change the role of', { needsMember: true, self: true, anyRank: true }),
  'member.remove': onMember('MODERATOR', 'remove', { needsMember: true }),
  'member.ban': onMember('MODERATOR', 'ban', { needsMember: false }),
  'member.unban': onMember('MODERATOR', 'unban', { needsMember: false }),
  'member.mute': onMember('MODERATOR', 'mute', { needsMember: true }),
  'member.unmute': onMember('MODERATOR', 'unmute', { needsMember: true }),
};

/** The error that refuses `action`, or null when the viewer may do it. */
export function refusal<A extends Action>(viewer: Viewer, action: A, resource: ResourceOf<A>): AppError | null {
  if (!viewer) {
    if (guestMay(action, resource)) return null;
    // Reading is open to guests, just not this room: signing in would not change that by itself.
    return action === 'room.read' ? forbidden('Only members can read this room') : unauthenticated();
  }
  return rules[action](viewer, resource);
}

export function can<A extends Action>(viewer: Viewer, action: A, resource: ResourceOf<A>): boolean {
  return refusal(viewer, action, resource) === null;
}

/** Throws UNAUTHENTICATED for a guest where a user is needed, FORBIDDEN for a user who may not. */
export function assertCan<A extends Action>(viewer: Viewer, action: A, resource: ResourceOf<A>): void {
  const error = refusal(viewer, action, resource);
  if (error) throw error;
}

/** The signed-in user, or UNAUTHENTICATED: for operations that need a user before anything is looked up. */
export function requireUser(viewerId: string | null | undefined): string {
  if (!viewerId) throw unauthenticated();
  return viewerId;
}
