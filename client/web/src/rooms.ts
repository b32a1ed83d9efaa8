/** The rooms' documents shared by the sidebar, the room view and the cache's updaters. */
import { graphql } from './gql';
import type { RoomSummaryFragment } from './gql/graphql';

export type RoomSummary = RoomSummaryFragment;

graphql(`
  fragment RoomSummary on Room {
    id
    name
    kind
    topic
    memberCount
    sharesReadReceipts
    lastSeq
    lastActivityAt
    unreadCount
    viewerLastReadSeq
    viewerIsMember
  }
`);

export const MyRoomsQuery = graphql(`
  query MyRooms {
    myRooms(first: 100) {
      edges {
        node {
          ...RoomSummary
        }
      }
    }
  }
`);

/** The two members of a DIRECT room, with whether they are online. */
export const DirectMembersQuery = graphql(`
  query DirectMembers($roomId: ID!) {
    room(id: $roomId) {
      id
      members(first: 2) {
        edges {
          node {
            id
            username
            displayName
            online
          }
        }
      }
    }
  }
`);

export const JoinRoomMutation = graphql(`
  mutation JoinRoom($input: JoinRoomInput!) {
    joinRoom(input: $input) {
      ...RoomSummary
    }
  }
`);

export const displayName = (user: { username: string; displayName?: string | null }) =>
  user.displayName || user.username;
