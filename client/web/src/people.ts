/** The people side: notifications, friends, blocks and the viewer's profile. */
import type { Cache } from '@urql/exchange-graphcache';
import { createContext, useContext } from 'react';
import { graphql } from './gql';
import type { NotificationItemFragment } from './gql/graphql';
import { messagePath, roomPath } from './router';

export type NotificationItem = NotificationItemFragment;

graphql(`
  fragment NotificationItem on Notification {
    id
    kind
    createdAt
    readAt
    actor {
      id
      username
      displayName
    }
    room {
      id
      name
      kind
    }
    message {
      id
      seq
      body
      threadRoot {
        id
        seq
      }
    }
  }
`);

export const UnreadNotificationCountQuery = graphql(`
  query UnreadNotificationCount {
    unreadNotificationCount
  }
`);

export const InboxQuery = graphql(`
  query Inbox($after: String) {
    notifications(first: 30, after: $after) {
      edges {
        node {
          ...NotificationItem
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const NotificationAddedSubscription = graphql(`
  subscription NotificationAdded {
    notificationAdded {
      ...NotificationItem
    }
  }
`);

export const MarkNotificationsReadMutation = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input)
  }
`);

graphql(`
  fragment PersonItem on User {
    id
    username
    displayName
    avatarUrl
    friendship
  }
`);

export const FriendsQuery = graphql(`
  query Friends {
    friends(first: 100) {
      edges {
        node {
          ...PersonItem
        }
      }
    }
    friendRequests(first: 100) {
      edges {
        node {
          ...PersonItem
        }
      }
    }
    blockedUsers(first: 100) {
      edges {
        node {
          ...PersonItem
        }
      }
    }
  }
`);

/** The users the viewer blocked (their messages show collapsed). */
export const BlockedUsersQuery = graphql(`
  query BlockedUsers {
    blockedUsers(first: 100) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

export const PersonQuery = graphql(`
  query Person($id: ID!) {
    node(id: $id) {
      ... on User {
        ...PersonItem
      }
    }
  }
`);

export const SendFriendRequestMutation = graphql(`
  mutation SendFriendRequest($input: UsernameInput!) {
    sendFriendRequest(input: $input) {
      ...PersonItem
    }
  }
`);
export const RespondToFriendRequestMutation = graphql(`
  mutation RespondToFriendRequest($input: FriendResponseInput!) {
    respondToFriendRequest(input: $input) {
      ...PersonItem
    }
  }
`);
export const RemoveFriendMutation = graphql(`
  mutation RemoveFriend($input: UsernameInput!) {
    removeFriend(input: $input) {
      ...PersonItem
    }
  }
`);
export const BlockUserMutation = graphql(`
  mutation BlockUser($input: UsernameInput!) {
    blockUser(input: $input) {
      ...PersonItem
    }
  }
`);
export const UnblockUserMutation = graphql(`
  mutation UnblockUser($input: UsernameInput!) {
    unblockUser(input: $input) {
      ...PersonItem
    }
  }
`);

export const ProfileQuery = graphql(`
  query Profile {
    me {
      id
      username
      displayName
      avatarUrl
      directMessagePolicy
    }
    myRooms(first: 1) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

export const UpdateProfileMutation = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
      username
      displayName
      avatarUrl
      directMessagePolicy
    }
  }
`);

export const UploadAvatarMutation = graphql(`
  mutation UploadAvatar($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) {
      id
    }
  }
`);

/** Where a notification leads: its message in context (a reply: its thread's root), its room, or the friends page. */
export function notificationPath(n: NotificationItem): string {
  if (n.message && n.room) return messagePath(n.room.id, n.message.threadRoot?.seq ?? n.message.seq);
  if (n.room) return roomPath(n.room.id);
  return '/friends';
}

/** What a notification says, in a line. */
export function notificationText(n: NotificationItem): string {
  const who = n.actor ? n.actor.displayName || n.actor.username : 'Someone';
  const where = n.room && n.room.kind !== 'DIRECT' ? ` in ${n.room.name}` : '';
  switch (n.kind) {
    case 'MENTION':
      return `${who} mentioned you${where}`;
    case 'REPLY':
      return `${who} replied in a thread${where}`;
    case 'DIRECT_MESSAGE':
      return `${who} wrote to you`;
    case 'INVITATION':
      return `${who} invited you to ${n.room?.name ?? 'a room'}`;
    case 'FRIEND_REQUEST':
      return `${who} asked to be friends`;
  }
}

/** The ids of the users the viewer blocked, provided by the signed-in app. */
export const BlockedContext = createContext<ReadonlySet<string>>(new Set());
export const useBlocked = () => useContext(BlockedContext);

const invalidateFields = (cache: Cache, names: string[]) => {
  for (const field of cache.inspectFields('Query')) {
    if (names.includes(field.fieldName)) cache.invalidate('Query', field.fieldName, field.arguments ?? undefined);
  }
};

/** The cache's updaters of the people side (merged into cache.ts). */
export const peopleUpdates = {
  Subscription: {
    notificationAdded: (_result: unknown, _args: unknown, cache: Cache) =>
      invalidateFields(cache, ['unreadNotificationCount', 'notifications']),
  },
  Mutation: {
    markNotificationsRead: (_result: unknown, _args: unknown, cache: Cache) =>
      invalidateFields(cache, ['unreadNotificationCount', 'notifications']),
    sendFriendRequest: (_r: unknown, _a: unknown, cache: Cache) =>
      invalidateFields(cache, ['friends', 'friendRequests']),
    respondToFriendRequest: (_r: unknown, _a: unknown, cache: Cache) =>
      invalidateFields(cache, ['friends', 'friendRequests']),
    removeFriend: (_r: unknown, _a: unknown, cache: Cache) => invalidateFields(cache, ['friends', 'friendRequests']),
    blockUser: (_r: unknown, _a: unknown, cache: Cache) =>
      invalidateFields(cache, [
        'friends',
        'friendRequests',
        'blockedUsers',
        'notifications',
        'unreadNotificationCount',
      ]),
    unblockUser: (_r: unknown, _a: unknown, cache: Cache) =>
      invalidateFields(cache, ['blockedUsers', 'notifications', 'unreadNotificationCount']),
  },
};

/** Objects without an id of their own live inside their parent. */
export const peopleKeys = {
  NotificationConnection: () => null,
  NotificationEdge: () => null,
  UserUpdated: () => null,
};

export const MessageUserMutation = graphql(`
  mutation MessageUser($input: OpenDirectRoomInput!) {
    openDirectRoom(input: $input) {
      id
      name
      kind
    }
  }
`);
