import { type AppError, forbidden, unauthenticated } from '../errors.js';
import type { MemberRole, RoomKind } from '../generated/prisma/client.js';

/**
 * Who may do what, in one place. Every operation of chat/ (and the subscriptions) asks here; the
 * rules are pure functions of the viewer and what the resource says about them, so they are tested
 * as a matrix without a database.
 */

/** A signed-in user, or null for a guest. */
export type Viewer = { userId: string } | null;

export type RoomAction =
  | 'room.read'
  | 'room.join'
  | 'room.leave'
  | 'room.invite'
  | 'room.send'
  | 'room.markRead'
  | 'room.react'
  | 'room.pin'
  | 'room.manageWebhooks';
export type MessageAction = 'message.edit' | 'message.delete';
export type Action = RoomAction | MessageAction;

/** What a room rule needs to know: the room's kind and where the viewer stands with it. */
export interface RoomResource {
  kind: RoomKind;
  /** The viewer is a member (false for guests). */
  isMember: boolean;
  /** The viewer holds an invitation to the room (only joinRoom needs to know). */
  isInvited?: boolean;
  /** The viewer's role in the room, when a member (only the moderating actions need to know). */
  role?: MemberRole | null;
}

/** What a message rule needs to know. */
export interface MessageResource {
  authorId: string;
}

export type ResourceOf<A extends Action> = A extends MessageAction ? MessageResource : RoomResource;

type Rule<A extends Action> = (viewer: { userId: string }, resource: ResourceOf<A>) => AppError | null;

/** What guests may do without signing in: read PUBLIC rooms. Everything else needs a user. */
function guestMay(action: Action, resource: RoomResource | MessageResource): boolean {
  return action === 'room.read' && 'kind' in resource && resource.kind === 'PUBLIC';
}

const membersOnly = (message: string) => (_viewer: unknown, room: RoomResource) =>
  room.isMember ? null : forbidden(message);

const authorOnly = (verb: string) => (viewer: { userId: string }, message: MessageResource) =>
  message.authorId === viewer.userId ? null : forbidden(`Only the author can ${verb} this message`);

const rules: { [A in Action]: Rule<A> } = {
  'room.read': (_viewer, room) =>
    room.kind === 'PUBLIC' || room.isMember ? null : forbidden('Only members can read this room'),

  'room.join': (_viewer, room) => {
    if (room.isMember) return null; // idempotent
    if (room.kind === 'PUBLIC') return null;
    if (room.kind === 'PRIVATE') return room.isInvited ? null : forbidden('A private room needs an invitation');
    return forbidden('A direct room cannot be joined; open it with openDirectRoom');
  },

  'room.leave': (_viewer, room) => {
    if (room.kind === 'DIRECT') return forbidden('A direct room cannot be left');
    // Leaving a PUBLIC room you are not in changes nothing (idempotent); a PRIVATE one you cannot
    // see is not yours to leave.
    return room.kind === 'PUBLIC' || room.isMember ? null : forbidden('Only members can leave this room');
  },

  'room.invite': (_viewer, room) => {
    if (room.kind !== 'PRIVATE') return forbidden('Only private rooms take invitations');
    return room.isMember ? null : forbidden('Only members can invite to this room');
  },

  'room.send': membersOnly('Only members can send messages to this room'),
  'room.markRead': membersOnly('Only members have a read position in this room'),
  'room.manageWebhooks': (_viewer, room) =>
    room.isMember && room.role === 'OWNER' ? null : forbidden('Only the room\u2019s owner can manage its webhooks'),
  'room.react': membersOnly('Only members can react to messages of this room'),

  // Pinning is the room's OWNERs' (both people's in a DIRECT room). The room's creator is its OWNER.
  'room.pin': (_viewer, room) => {
    if (!room.isMember) return forbidden('Only members can pin messages of this room');
    if (room.kind === 'DIRECT' || room.role === 'OWNER') return null;
    return forbidden('Only the room\u2019s owners can pin messages');
  },
  'message.edit': authorOnly('edit'),
  'message.delete': authorOnly('delete'),
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
