/**
 * What the socket says about the viewer's rooms that the cache does not keep: who is typing, and
 * how far the other members have read. Everything else in an event (messages, edits, rooms) goes
 * into the cache through the updaters in cache.ts.
 */
import { graphql } from './gql';
import type { MyEventsSubscription } from './gql/graphql';
import { displayName } from './rooms';

export type RoomEvent = MyEventsSubscription['myEvents'];

export const MyEventsSubscriptionDocument = graphql(`
  subscription MyEvents {
    myEvents {
      __typename
      ... on MessageCreated {
        message {
          ...MessageData
        }
      }
      ... on MessageEdited {
        message {
          id
          body
          editedAt
        }
      }
      ... on MessageDeleted {
        message {
          id
          body
          deletedAt
        }
      }
      ... on ReactionChanged {
        message {
          id
          reactions {
            emoji
            count
            viewerReacted
          }
        }
      }
      ... on MessagePinned {
        message {
          id
          pinnedAt
          room {
            id
          }
        }
      }
      ... on MessageUnpinned {
        message {
          id
          pinnedAt
          room {
            id
          }
        }
      }
      ... on ThreadUpdated {
        root {
          id
          replyCount
          lastReplyAt
        }
      }
      ... on UserUpdated {
        user {
          id
          username
          displayName
          avatarUrl
        }
      }
      ... on MemberJoined {
        room {
          ...RoomSummary
        }
        user {
          id
        }
      }
      ... on MemberLeft {
        room {
          id
          memberCount
          sharesReadReceipts
        }
        user {
          id
        }
      }
      ... on TypingChanged {
        room {
          id
        }
        user {
          id
          username
          displayName
        }
        typing
      }
      ... on ReadReceipt {
        room {
          id
        }
        user {
          id
          username
          displayName
        }
        lastReadSeq
      }
      ... on RoomUpdated {
        room {
          ...RoomModerationState
        }
      }
      ... on MemberRoleChanged {
        room {
          id
        }
        user {
          id
        }
        role
      }
      ... on MemberRemoved {
        room {
          id
          memberCount
          sharesReadReceipts
        }
        user {
          id
        }
        banned
      }
      ... on MemberMuted {
        room {
          id
        }
        user {
          id
        }
        until
      }
    }
  }
`);

export const OnlineCountSubscriptionDocument = graphql(`
  subscription OnlineCount {
    onlineCount {
      users
      guests
    }
  }
`);

export interface LiveState {
  /** The users typing, by room id, then user id, with the socket connection that said so. */
  typing: Record<string, Record<string, { name: string; epoch: number }>>;
  /** The other members' read positions, by room id, then user id. */
  reads: Record<string, Record<string, { name: string; seq: number }>>;
}

export const NO_LIVE_STATE: LiveState = { typing: {}, reads: {} };

/**
 * Folds one event, heard on socket connection `epoch`, into the live state; the viewer's own
 * typing and reading are left out.
 */
export function reduceLive(state: LiveState, event: RoomEvent, viewerId: string, epoch: number): LiveState {
  if (event.__typename === 'TypingChanged' && event.user.id !== viewerId) {
    const { [event.user.id]: _was, ...others } = state.typing[event.room.id] ?? {};
    const room = event.typing ? { ...others, [event.user.id]: { name: displayName(event.user), epoch } } : others;
    return { ...state, typing: { ...state.typing, [event.room.id]: room } };
  }
  if (event.__typename === 'ReadReceipt' && event.user.id !== viewerId) {
    const room = {
      ...state.reads[event.room.id],
      [event.user.id]: { name: displayName(event.user), seq: event.lastReadSeq },
    };
    return { ...state, reads: { ...state.reads, [event.room.id]: room } };
  }
  return state;
}

/**
 * Who is typing in a room. Only what was heard on the current connection counts: a "stopped"
 * sent while the socket was down was never heard.
 */
export function typingIn(state: LiveState, roomId: string, epoch: number): string[] {
  return Object.values(state.typing[roomId] ?? {})
    .filter((entry) => entry.epoch === epoch)
    .map((entry) => entry.name);
}
