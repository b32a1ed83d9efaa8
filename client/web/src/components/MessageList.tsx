import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import {
  catchUp,
  contiguousUpTo,
  isPending,
  isTopLevel,
  MarkReadMutation,
  newestSeqOf,
  pageVariables,
  RecentChangesQuery,
  RoomMessagesQuery,
  type Message,
} from '../messages';
import { outbox, useFailedSends, type FailedSend } from '../outbox';
import { displayName } from '../rooms';
import type { Viewer } from '../session';
import { useSend } from './Composer';
import { errorText } from './errors';
import { continuesGroup, MessageItem, type MessageOptions } from './MessageItem';

/** Messages as list items, consecutive ones of one author grouped. */
export function MessageItems({
  messages,
  viewerId,
  options,
  seenBy = {},
  highlightSeq = null,
}: {
  messages: readonly Message[];
  viewerId: string;
  options: MessageOptions;
  seenBy?: Record<string, string[]>;
  highlightSeq?: number | null;
}) {
  return messages.map((message, i) => (
    <MessageItem
      key={message.id}
      message={message}
      own={message.author.id === viewerId}
      seenBy={seenBy[message.id]}
      grouped={continuesGroup(messages[i - 1], message)}
      highlighted={!isPending(message) && message.seq === highlightSeq}
      options={options}
    />
  ));
}

/** How close to the newest message (in pixels) still counts as being at it. */
const AT_NEWEST_PX = 40;

function subscribeVisibility(listener: () => void) {
  document.addEventListener('visibilitychange', listener);
  return () => document.removeEventListener('visibilitychange', listener);
}
const useVisible = () => useSyncExternalStore(subscribeVisibility, () => document.visibilityState === 'visible');

/** Under each message, the other members who have read up to it (and not past it). */
function seenByOf(messages: readonly Message[], reads: Record<string, { name: string; seq: number }> | undefined) {
  const seenBy: Record<string, string[]> = {};
  for (const { name, seq } of Object.values(reads ?? {})) {
    const message = messages.findLast((m) => !isPending(m) && m.seq <= seq);
    if (message) (seenBy[message.id] ??= []).push(name);
  }
  return seenBy;
}

/**
 * A room's messages, oldest at the top. It shows the newest page, pages back when scrolled to the
 * top, recovers missed messages (on opening, each time the server says the live events listen,
 * whenever the newest page has a hole), marks the room read while the newest message is in view, and announces others' new
 * messages to screen readers.
 */
export function MessageList({
  roomId,
  viewer,
  epoch,
  listening,
  lastReadSeq,
  reads,
  options,
}: {
  roomId: string;
  viewer: Viewer;
  epoch: number;
  /** Connection.listening of myEvents. */
  listening: number;
  lastReadSeq: number;
  reads: Record<string, { name: string; seq: number }> | undefined;
  options: MessageOptions;
}) {
  const client = useClient();
  // The start cursors of the older pages shown, newest first.
  const [olderCursors, setOlderCursors] = useState<string[]>([]);
  const [{ data: newestData, error }] = useQuery({
    query: RoomMessagesQuery,
    variables: pageVariables(roomId, null),
    requestPolicy: 'cache-first',
  });
  const [{ data: oldestData, fetching: loadingOlder, error: olderError }, reloadOlder] = useQuery({
    query: RoomMessagesQuery,
    variables: pageVariables(roomId, olderCursors.at(-1) ?? null),
    requestPolicy: 'cache-first',
  });
  const newest = newestData?.room?.messages;
  const oldest = oldestData?.room?.messages;
  // The newest page holds the replies too (every seq, for recovery); they show in their threads.
  const all = newest?.edges.map((edge) => edge.node) ?? [];
  const messages = all.filter(isTopLevel);

  const nextCursor = oldest?.pageInfo.hasPreviousPage ? oldest.pageInfo.startCursor : null;
  const loadOlder = useCallback(() => {
    if (nextCursor && !loadingOlder) setOlderCursors((cursors) => [...cursors, nextCursor]);
  }, [nextCursor, loadingOlder]);

  // Missed messages: fetched once the page is there, at each (re)connection (most come back then),
  // each time the live events listen (from then on nothing is missed: what came before is
  // fetched), and on a hole.
  const loaded = newest !== undefined;
  const upTo = newest ? contiguousUpTo(newest) : 0;
  const holeAt = newest && upTo < newestSeqOf(newest) ? upTo : null;
  useEffect(() => {
    if (loaded) void catchUp(client, roomId);
  }, [client, roomId, loaded, epoch, listening, holeAt]);
  // Edits and deletes are not in messagesSince: live again after a reconnect or an outage, the
  // newest are read again.
  useEffect(() => {
    if (listening > 1) void client.query(RecentChangesQuery, { roomId }, { requestPolicy: 'network-only' }).toPromise();
  }, [client, roomId, listening]);

  const scroller = useRef<HTMLDivElement>(null);
  const historyStart = useRef<HTMLDivElement>(null);
  const [atNewest, setAtNewest] = useState(true);
  // Near the top, the next older page is loaded (the list grows upwards; the view stays put).
  useEffect(() => {
    const root = scroller.current;
    const target = historyStart.current;
    if (!root || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) loadOlder();
      },
      { root, rootMargin: '300px 0px 0px 0px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [loadOlder]);

  const visible = useVisible();
  const newestSeq = newest ? newestSeqOf(newest) : 0;
  const [, markRead] = useMutation(MarkReadMutation);
  /** The newest seq shown while at the newest messages and not yet marked read. */
  const unmarked = useRef<number | null>(null);
  useEffect(() => {
    if (newestSeq <= lastReadSeq) unmarked.current = null;
    if (!atNewest || !visible || newestSeq <= lastReadSeq) return;
    unmarked.current = newestSeq;
    const timer = setTimeout(() => {
      unmarked.current = null;
      void markRead({ input: { roomId, seq: newestSeq } });
    }, 300);
    return () => clearTimeout(timer);
  }, [atNewest, visible, newestSeq, lastReadSeq, roomId, markRead]);
  // Leaving the room before the pause is over: what was on screen has been read all the same.
  useEffect(
    () => () => {
      if (unmarked.current !== null) void markRead({ input: { roomId, seq: unmarked.current } });
    },
    [roomId, markRead],
  );

  const last = messages.at(-1);
  const [announcement, setAnnouncement] = useState('');
  const lastAnnounced = useRef<string | null>(null);
  useEffect(() => {
    if (!last || isPending(last)) return;
    const first = lastAnnounced.current === null;
    lastAnnounced.current = last.id;
    if (!first && last.author.id !== viewer.id) setAnnouncement(`${displayName(last.author)}: ${last.body}`);
  }, [last, viewer.id]);

  const failed = useFailedSends(roomId).filter(
    (send) => !messages.some((message) => message.clientMessageId === send.clientMessageId),
  );
  const seenBy = seenByOf(messages, reads);

  if (error && !newest) {
    return (
      <p className="error" role="alert">
        {errorText(error)}
      </p>
    );
  }
  return (
    <div className="messages-frame">
      <div
        className="messages"
        ref={scroller}
        role="region"
        aria-label="Messages"
        tabIndex={0}
        onScroll={(event) => setAtNewest(event.currentTarget.scrollTop > -AT_NEWEST_PX)}
      >
        <div>
          <div ref={historyStart} className="history-start">
            {olderError && !oldest && !loadingOlder ? (
              // The page asked for did not come: it is asked for again, not given up on.
              <p className="error" role="alert">
                Older messages could not be loaded: {errorText(olderError)}{' '}
                <button type="button" className="small" onClick={() => reloadOlder({ requestPolicy: 'network-only' })}>
                  Try again
                </button>
              </p>
            ) : nextCursor || loadingOlder ? (
              <button type="button" className="link" onClick={loadOlder} disabled={loadingOlder}>
                {loadingOlder ? 'Loading older messages…' : 'Load older messages'}
              </button>
            ) : (
              loaded && <p className="hint">This is the start of the conversation.</p>
            )}
          </div>
          <ol className="message-list">
            {olderCursors.toReversed().map((cursor) => (
              <OlderPage key={cursor} roomId={roomId} before={cursor} viewerId={viewer.id} options={options} />
            ))}
            <MessageItems messages={messages} viewerId={viewer.id} options={options} seenBy={seenBy} />
            {failed.map((send) => (
              <FailedItem key={send.clientMessageId} send={send} />
            ))}
          </ol>
        </div>
      </div>
      {!atNewest && (
        <button
          type="button"
          className="jump"
          onClick={() => scroller.current?.scrollTo({ top: 0, behavior: 'smooth' })}
        >
          Jump to newest
        </button>
      )}
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}

/** An older page, loaded once and never changed but by edits and deletes. */
function OlderPage({
  roomId,
  before,
  viewerId,
  options,
}: {
  roomId: string;
  before: string;
  viewerId: string;
  options: MessageOptions;
}) {
  const [{ data }] = useQuery({
    query: RoomMessagesQuery,
    variables: pageVariables(roomId, before),
    requestPolicy: 'cache-first',
  });
  const messages = data?.room?.messages.edges.map(({ node }) => node) ?? [];
  return <MessageItems messages={messages} viewerId={viewerId} options={options} />;
}

/** A send that failed: sent again under the same key, or dropped. */
function FailedItem({ send }: { send: FailedSend }) {
  const resend = useSend(send.roomId);
  return (
    <li className="message own failed">
      <p className="body">
        {send.body}
        {!!send.attachmentIds?.length && (
          <span className="hint">
            {' '}
            ({send.attachmentIds.length} {send.attachmentIds.length === 1 ? 'file' : 'files'})
          </span>
        )}
      </p>
      <p className="error" role="alert">
        Not sent: {send.error}{' '}
        <button
          type="button"
          className="small"
          onClick={() => resend(send.body, send.clientMessageId, send.attachmentIds)}
        >
          Retry
        </button>{' '}
        <button type="button" className="small secondary" onClick={() => outbox.remove(send.clientMessageId)}>
          Discard
        </button>
      </p>
    </li>
  );
}
