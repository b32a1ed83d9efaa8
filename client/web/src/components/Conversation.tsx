import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import {
  isPending,
  isTopLevel,
  MessagesAroundQuery,
  pageVariables,
  PinnedMessagesQuery,
  RoomMessagesAfterQuery,
  RoomMessagesQuery,
  ThreadMessagesQuery,
  type Message,
} from '../messages';
import { displayName } from '../rooms';
import { Link, messagePath, roomPath } from '../router';
import { Composer } from './Composer';
import { errorText } from './errors';
import { MessageItems } from './MessageList';
import type { MessageOptions } from './MessageItem';

const ThreadRootQuery = graphql(`
  query ThreadRoot($id: ID!) {
    node(id: $id) {
      ... on Message {
        ...MessageData
      }
    }
  }
`);

/**
 * A thread beside the room: its root, its replies (a page read once, then the replies that arrive
 * live, which the newest page of the room holds), and a box to reply.
 */
export function ThreadPanel({
  roomId,
  rootId,
  viewerId,
  options,
  canReply,
  onClose,
}: {
  roomId: string;
  rootId: string;
  viewerId: string;
  options: MessageOptions;
  canReply: boolean;
  onClose(): void;
}) {
  const [{ data: rootData }] = useQuery({ query: ThreadRootQuery, variables: { id: rootId } });
  const [{ data, error }] = useQuery({
    query: ThreadMessagesQuery,
    variables: { messageId: rootId },
    requestPolicy: 'cache-and-network',
  });
  const root = rootData?.node?.__typename === 'Message' ? rootData.node : null;
  const [{ data: newest }] = useQuery({
    query: RoomMessagesQuery,
    variables: pageVariables(roomId, null),
    requestPolicy: 'cache-only',
  });
  const byId = new Map<string, Message>();
  for (const edge of data?.threadMessages.edges ?? []) byId.set(edge.node.id, edge.node);
  for (const edge of newest?.room?.messages.edges ?? []) {
    if (edge.node.threadRootId === rootId) byId.set(edge.node.id, edge.node);
  }
  const replies = [...byId.values()].sort((a, b) => (isPending(a) ? 1 : isPending(b) ? -1 : a.seq - b.seq));
  const inThread = { ...options, onOpenThread: undefined };
  return (
    <aside className="thread" aria-labelledby="thread-title">
      <header>
        <h3 id="thread-title">Thread</h3>
        <button type="button" className="small secondary" onClick={onClose}>
          Close<span className="visually-hidden"> the thread</span>
        </button>
      </header>
      {root && (
        <>
          <ol className="message-list">
            <MessageItems messages={[root]} viewerId={viewerId} options={inThread} />
          </ol>
          <p className="hint">
            {root.replyCount} {root.replyCount === 1 ? 'reply' : 'replies'}
          </p>
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      <ol className="message-list" aria-label="Replies">
        <MessageItems messages={replies} viewerId={viewerId} options={inThread} />
      </ol>
      {canReply && (
        <Composer
          roomId={roomId}
          label={root ? `Reply to ${displayName(root.author)}` : 'Reply'}
          threadRootId={rootId}
        />
      )}
    </aside>
  );
}

/** The room's pinned messages; each opens the room around it. */
export function PinnedMessages({ roomId }: { roomId: string }) {
  const [{ data }] = useQuery({
    query: PinnedMessagesQuery,
    variables: { roomId },
    requestPolicy: 'cache-and-network',
  });
  const pins = (data?.room?.pinnedMessages ?? []).filter((m) => m.deletedAt == null);
  if (pins.length === 0) return null;
  return (
    <details className="pins">
      <summary>Pinned ({pins.length})</summary>
      <ol>
        {pins.map((message) => (
          <li key={message.id}>
            <Link to={messagePath(roomId, message.seq)}>
              <span className="author">{displayName(message.author)}</span>: {message.body}
            </Link>
          </li>
        ))}
      </ol>
    </details>
  );
}

/**
 * The room's history around one message (from search or a pin), which is highlighted; it pages on
 * both ways from there, and leads back to the newest messages.
 */
export function AroundList({
  roomId,
  seq,
  viewerId,
  options,
}: {
  roomId: string;
  seq: number;
  viewerId: string;
  options: MessageOptions;
}) {
  const [{ data, error }] = useQuery({
    query: MessagesAroundQuery,
    variables: { roomId, seq },
    requestPolicy: 'cache-and-network',
  });
  const [before, setBefore] = useState<string[]>([]);
  const [after, setAfter] = useState<string[]>([]);
  const around = data?.messagesAround;
  if (!around) {
    return error ? (
      <p className="error" role="alert">
        {errorText(error)} <Link to={roomPath(roomId)}>Show the newest messages</Link>
      </p>
    ) : (
      <p className="hint">Loading…</p>
    );
  }
  const messages = around.edges.map((edge) => edge.node).filter(isTopLevel);
  return (
    <div className="messages-frame">
      <div className="messages around" role="region" aria-label="Messages" tabIndex={0}>
        <div>
          <ol className="message-list">
            <OlderPages
              roomId={roomId}
              first={around.pageInfo.hasPreviousPage ? around.pageInfo.startCursor : null}
              cursors={before}
              onMore={(cursor) => setBefore([...before, cursor])}
              viewerId={viewerId}
              options={options}
            />
            <MessageItems messages={messages} viewerId={viewerId} options={options} highlightSeq={seq} />
            <NewerPages
              roomId={roomId}
              first={around.pageInfo.hasNextPage ? around.pageInfo.endCursor : null}
              cursors={after}
              onMore={(cursor) => setAfter([...after, cursor])}
              viewerId={viewerId}
              options={options}
            />
          </ol>
        </div>
      </div>
      <Link to={roomPath(roomId)} className="jump">
        Jump to newest
      </Link>
    </div>
  );
}

interface PagesProps {
  roomId: string;
  /** The cursor the first page is read from; null when there is nothing that way. */
  first: string | null;
  /** The cursors of the pages asked for so far, nearest first. */
  cursors: string[];
  onMore(cursor: string): void;
  viewerId: string;
  options: MessageOptions;
}

function OlderPages({ first, cursors, onMore, ...page }: PagesProps) {
  if (!first) return <li className="hint history-start">This is the start of the conversation.</li>;
  return (
    <>
      <More roomId={page.roomId} cursor={cursors.at(-1) ?? null} first={first} onMore={onMore} direction="before" />
      {cursors.toReversed().map((cursor) => (
        <Page key={cursor} {...page} cursor={cursor} direction="before" />
      ))}
    </>
  );
}

function NewerPages({ first, cursors, onMore, ...page }: PagesProps) {
  if (!first) return null;
  return (
    <>
      {cursors.map((cursor) => (
        <Page key={cursor} {...page} cursor={cursor} direction="after" />
      ))}
      <More roomId={page.roomId} cursor={cursors.at(-1) ?? null} first={first} onMore={onMore} direction="after" />
    </>
  );
}

/**
 * "Load older messages" above the oldest page shown, or "Load newer messages" below the newest,
 * while there is one more that way.
 */
function More({
  roomId,
  cursor,
  first,
  onMore,
  direction,
}: {
  roomId: string;
  cursor: string | null;
  first: string;
  onMore(cursor: string): void;
  direction: 'before' | 'after';
}) {
  const page = usePage(roomId, cursor ?? first, direction, cursor === null);
  const older = direction === 'before';
  const next = page?.next;
  if (cursor !== null && (!page || !page.more || !next)) {
    return older && page ? <li className="hint history-start">This is the start of the conversation.</li> : null;
  }
  return (
    <li className="history-start">
      <button type="button" className="link" onClick={() => onMore(cursor === null ? first : next!)}>
        {older ? 'Load older messages' : 'Load newer messages'}
      </button>
    </li>
  );
}

/**
 * The page of the room's history before or after `cursor`, read when not `paused`: its edges, and
 * whether there is more that way from the cursor it gives.
 */
function usePage(roomId: string, cursor: string, direction: 'before' | 'after', paused = false) {
  const [{ data: older }] = useQuery({
    query: RoomMessagesQuery,
    variables: pageVariables(roomId, cursor),
    pause: paused || direction !== 'before',
  });
  const [{ data: newer }] = useQuery({
    query: RoomMessagesAfterQuery,
    variables: { roomId, after: cursor },
    pause: paused || direction !== 'after',
  });
  if (direction === 'before') {
    const page = older?.room?.messages;
    return page && { edges: page.edges, more: page.pageInfo.hasPreviousPage, next: page.pageInfo.startCursor };
  }
  const page = newer?.messages;
  return page && { edges: page.edges, more: page.pageInfo.hasNextPage, next: page.pageInfo.endCursor };
}

/** One page before or after a cursor. */
function Page({
  roomId,
  cursor,
  direction,
  viewerId,
  options,
}: Omit<PagesProps, 'first' | 'cursors' | 'onMore'> & { cursor: string; direction: 'before' | 'after' }) {
  const edges = usePage(roomId, cursor, direction)?.edges;
  return (
    <MessageItems
      messages={(edges ?? []).map((e) => e.node).filter(isTopLevel)}
      viewerId={viewerId}
      options={options}
    />
  );
}
