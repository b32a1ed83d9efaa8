/**
 * A room's history in the cache. Each page is its own `Room.messages(last, before)` field: the
 * newest page (`before: null`) is fetched once and then only grows — live messages, sent messages
 * and recovered ones are inserted into it by seq, once each by id — and older pages hang off its
 * start cursor, which therefore never moves. So pages never overlap and never leave a hole.
 */
import type { Client } from '@urql/core';
import type { Cache } from '@urql/exchange-graphcache';
import { graphql } from './gql';
import type { MessageDataFragment } from './gql/graphql';

export type Message = MessageDataFragment;

/** messagesSince's page (history pages are 50: `last: 50` below). */
export const SINCE_PAGE_SIZE = 100;

export const MessageData = graphql(`
  fragment MessageData on Message {
    id
    seq
    body
    clientMessageId
    createdAt
    editedAt
    deletedAt
    author {
      id
      username
      displayName
      avatarUrl
    }
    room {
      id
    }
    threadRootId
    replyCount
    lastReplyAt
    pinnedAt
    reactions {
      emoji
      count
      viewerReacted
    }
    mentions {
      id
      username
    }
    attachments {
      ...AttachmentData
    }
  }
`);

/** Replies live in the newest page with the rest (seq recovery needs every seq) but show in their thread. */
export const isTopLevel = (message: { threadRootId?: string | null }) => message.threadRootId == null;

export const RoomMessagesQuery = graphql(`
  query RoomMessages($roomId: ID!, $before: String) {
    room(id: $roomId) {
      id
      messages(last: 50, before: $before) {
        edges {
          node {
            ...MessageData
          }
        }
        pageInfo {
          hasPreviousPage
          startCursor
        }
      }
    }
  }
`);

/** The history after a cursor (paging on, newer, from a message jumped to). */
export const RoomMessagesAfterQuery = graphql(`
  query RoomMessagesAfter($roomId: ID!, $after: String!) {
    messages(roomId: $roomId, first: 50, after: $after) {
      edges {
        node {
          ...MessageData
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** The history around a message (jumping to it from search or the pins). */
export const MessagesAroundQuery = graphql(`
  query MessagesAround($roomId: ID!, $seq: Int!) {
    messagesAround(roomId: $roomId, seq: $seq, limit: 50) {
      edges {
        node {
          ...MessageData
        }
      }
      pageInfo {
        hasPreviousPage
        hasNextPage
        startCursor
        endCursor
      }
    }
  }
`);

export const ThreadMessagesQuery = graphql(`
  query ThreadMessages($messageId: ID!) {
    threadMessages(messageId: $messageId, last: 100) {
      edges {
        node {
          ...MessageData
        }
      }
    }
  }
`);

export const PinnedMessagesQuery = graphql(`
  query PinnedMessages($roomId: ID!) {
    room(id: $roomId) {
      id
      pinnedMessages {
        ...MessageData
      }
    }
  }
`);

export const RoomMembersQuery = graphql(`
  query RoomMembers($roomId: ID!) {
    room(id: $roomId) {
      id
      members(first: 100) {
        edges {
          node {
            id
            username
            displayName
          }
        }
      }
    }
  }
`);

export const AddReactionMutation = graphql(`
  mutation AddReaction($input: ReactionInput!) {
    addReaction(input: $input) {
      id
      reactions {
        emoji
        count
        viewerReacted
      }
    }
  }
`);

export const RemoveReactionMutation = graphql(`
  mutation RemoveReaction($input: ReactionInput!) {
    removeReaction(input: $input) {
      id
      reactions {
        emoji
        count
        viewerReacted
      }
    }
  }
`);

export const PinMessageMutation = graphql(`
  mutation PinMessage($input: PinMessageInput!) {
    pinMessage(input: $input) {
      id
      pinnedAt
    }
  }
`);

export const UnpinMessageMutation = graphql(`
  mutation UnpinMessage($input: PinMessageInput!) {
    unpinMessage(input: $input) {
      id
      pinnedAt
    }
  }
`);

export const MessagesSinceQuery = graphql(`
  query MessagesSince($roomId: ID!, $afterSeq: Int!, $first: Int!) {
    messagesSince(roomId: $roomId, afterSeq: $afterSeq, first: $first) {
      ...MessageData
    }
  }
`);

/**
 * The newest messages' state alone, read after a reconnect: edits and deletes made meanwhile
 * reach the cached messages (by id) without touching the pages.
 */
export const RecentChangesQuery = graphql(`
  query RecentChanges($roomId: ID!) {
    messages(roomId: $roomId, last: 50) {
      edges {
        node {
          id
          body
          editedAt
          deletedAt
        }
      }
    }
  }
`);

/** The variables of a page: `before: null` is the newest page (always spelled so: it is its cache key). */
export const pageVariables = (roomId: string, before: string | null) => ({ roomId, before });

/** A message shown before the server has it: the optimistic result of sendMessage. */
export const PENDING_PREFIX = 'pending:';
export const isPending = (message: { id: string }) => message.id.startsWith(PENDING_PREFIX);

/** The newest page as the cache holds it. */
interface NewestPage {
  edges: readonly { node: Message }[];
  pageInfo: { hasPreviousPage: boolean };
}

/**
 * The seq up to which the newest page holds every message: what to ask messagesSince for. It
 * starts before the page's first message (at 0 when the page is the whole history). Live events
 * can arrive out of order, or be missed while a socket reconnects: a hole stops it early.
 */
export function contiguousUpTo(page: NewestPage): number {
  const seqs = page.edges
    .map((edge) => edge.node)
    .filter((m) => !isPending(m))
    .map((m) => m.seq);
  let upTo = page.pageInfo.hasPreviousPage && seqs.length ? seqs[0]! - 1 : 0;
  for (const seq of seqs) {
    if (seq > upTo + 1) break;
    upTo = Math.max(upTo, seq);
  }
  return upTo;
}

/** The newest seq the page holds (0 when none). */
export const newestSeqOf = (page: NewestPage) =>
  page.edges.reduce((max, { node }) => (isPending(node) ? max : Math.max(max, node.seq)), 0);

/**
 * Fills the newest page up to the room's newest message with messagesSince, a page at a time
 * (the Query.messagesSince updater puts each message in place).
 */
export async function catchUp(client: Client, roomId: string): Promise<void> {
  let previous = -1;
  for (;;) {
    const page = client.readQuery(RoomMessagesQuery, pageVariables(roomId, null))?.data?.room?.messages;
    if (!page) return;
    const afterSeq = contiguousUpTo(page);
    if (afterSeq <= previous) return;
    previous = afterSeq;
    const result = await client
      .query(MessagesSinceQuery, { roomId, afterSeq, first: SINCE_PAGE_SIZE }, { requestPolicy: 'network-only' })
      .toPromise();
    if (!result.data || result.data.messagesSince.length < SINCE_PAGE_SIZE) return;
  }
}

/**
 * Puts messages into their room's newest page, if it is in the cache: in seq order, skipping ids
 * it has, pending ones last. Every path a message takes into the cache ends here.
 *
 * Pending messages live only in the optimistic layers of their sends: they are read here with the
 * rest but never written back (except the one this call adds), or a result arriving meanwhile
 * would keep them for good.
 */
export function addToNewestPage(cache: Cache, roomId: string, messages: readonly Message[]) {
  cache.updateQuery({ query: RoomMessagesQuery, variables: pageVariables(roomId, null) }, (data) => {
    const connection = data?.room?.messages;
    if (!connection) return null;
    const edges = connection.edges.filter((edge) => !isPending(edge.node));
    const fresh = messages.filter((message) => !connection.edges.some((edge) => edge.node.id === message.id));
    if (fresh.length === 0) return null;
    for (const message of fresh) {
      const at = isPending(message) ? -1 : edges.findIndex((edge) => edge.node.seq > message.seq);
      edges.splice(at === -1 ? edges.length : at, 0, { __typename: 'MessageEdge', node: message });
    }
    connection.edges = edges;
    return data;
  });
}

export const SendMessageMutation = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      ...MessageData
    }
  }
`);

export const EditMessageMutation = graphql(`
  mutation EditMessage($input: EditMessageInput!) {
    editMessage(input: $input) {
      id
      body
      editedAt
    }
  }
`);

export const DeleteMessageMutation = graphql(`
  mutation DeleteMessage($input: DeleteMessageInput!) {
    deleteMessage(input: $input) {
      id
      body
      deletedAt
    }
  }
`);

export const MarkReadMutation = graphql(`
  mutation MarkRead($input: MarkReadInput!) {
    markRead(input: $input) {
      id
      viewerLastReadSeq
      unreadCount
    }
  }
`);

export const SetTypingMutation = graphql(`
  mutation SetTyping($input: SetTypingInput!) {
    setTyping(input: $input)
  }
`);
