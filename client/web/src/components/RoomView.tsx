import { useState, type FormEvent } from 'react';
import { type CombinedError, useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { draftKeyOf } from '../attachments/draft';
import { DropZone } from '../attachments/DropZone';
import { typingIn, type LiveState } from '../live';
import type { Message } from '../messages';
import { displayName, JoinRoomMutation } from '../rooms';
import { Link } from '../router';
import type { Viewer } from '../session';
import { Composer } from './Composer';
import { AroundList, PinnedMessages, ThreadPanel } from './Conversation';
import { PeerName, useDirectPeer } from './DirectPeer';
import { errorText } from './errors';
import type { MessageOptions } from './MessageItem';
import { MessageList } from './MessageList';
import { moderationRights, ReadOnlyNotice, RoomModeration } from './Moderation';
import { WebhookSettings } from './Webhooks';

const RoomQuery = graphql(`
  query Room($roomId: ID!) {
    room(id: $roomId) {
      ...RoomSummary
      ...RoomModerationState
      viewerCanPin
    }
  }
`);

/** Why a room cannot be shown, in words, with the way back to the room list. */
function RoomProblem({ error }: { error: CombinedError | undefined }) {
  const code = error?.graphQLErrors[0]?.extensions?.code;
  const text =
    !error || code === 'NOT_FOUND' || code === 'BAD_USER_INPUT'
      ? 'There is no such room. The link may be mistyped, or the room is gone.'
      : code === 'FORBIDDEN'
        ? 'This room is private: only its members can see it.'
        : errorText(error);
  return (
    <div className="empty-state" role="alert">
      <h2>This room cannot be shown</h2>
      <p>{text}</p>
      <p>
        <Link to="/">Back to your rooms</Link>
      </p>
    </div>
  );
}

/** A direct room's composer says whom the message goes to, as the header does: "Message bob". */
function DirectComposer({ roomId, viewerId, fallback }: { roomId: string; viewerId: string; fallback: string }) {
  const peer = useDirectPeer(roomId, viewerId, undefined);
  return <Composer roomId={roomId} label={`Message ${peer ? displayName(peer) : fallback}`} />;
}

const InviteMutation = graphql(`
  mutation InviteToRoom($input: InviteToRoomInput!) {
    inviteToRoom(input: $input) {
      id
      memberCount
    }
  }
`);

/** A room: its name and members, its pins, its messages (or those around one jumped to), its thread, who is typing, and the message box. */
export function RoomView({
  roomId,
  focusSeq = null,
  viewer,
  live,
  epoch,
  listening,
  onlineUsers,
}: {
  roomId: string;
  /** Show the room around this message (jumped to from search or a pin). */
  focusSeq?: number | null;
  viewer: Viewer;
  live: LiveState;
  epoch: number;
  listening: number;
  onlineUsers: number | undefined;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: RoomQuery,
    variables: { roomId },
    requestPolicy: 'cache-and-network',
  });
  const [threadRootId, setThreadRootId] = useState<string | null>(null);
  const room = data?.room;
  if (!room) return fetching ? <p className="hint">Loading…</p> : <RoomProblem error={error} />;
  const typing = typingIn(live, roomId, epoch);
  const archived = room.archivedAt != null;
  const muted = room.viewerMutedUntil != null;
  const options: MessageOptions = {
    viewerId: viewer.id,
    canReact: room.viewerIsMember && !archived && !muted,
    canPin: room.viewerCanPin,
    canModerate: moderationRights(room).moderates && !archived,
    canReport: true,
    onOpenThread: (message: Message) => setThreadRootId(message.id),
  };
  return (
    <section className="room" aria-labelledby="room-title">
      <header className="room-header">
        <Link to="/" className="back">
          <span aria-hidden="true">‹ </span>Rooms
        </Link>
        <div className="room-title">
          <h2 id="room-title">
            {room.kind === 'DIRECT' ? (
              <PeerName roomId={room.id} viewerId={viewer.id} onlineUsers={onlineUsers} fallback={room.name} />
            ) : (
              room.name
            )}
          </h2>
          <p className="hint">
            {room.kind === 'PRIVATE' ? 'Private · ' : room.kind === 'PUBLIC' ? 'Public · ' : 'Direct · '}
            {room.memberCount} {room.memberCount === 1 ? 'member' : 'members'}
            {room.topic && ` · ${room.topic}`}
            {archived && ' · Archived'}
            {room.slowModeSeconds > 0 && ` · Slow mode: ${room.slowModeSeconds} s`}
          </p>
        </div>
        <PinnedMessages roomId={room.id} />
        {room.kind === 'PRIVATE' && room.viewerIsMember && <InviteForm roomId={room.id} roomName={room.name} />}
        {room.kind !== 'DIRECT' && room.viewerIsMember && <WebhookSettings roomId={room.id} />}
        {room.viewerIsMember && <RoomModeration room={room} viewerId={viewer.id} />}
      </header>
      <div className={threadRootId ? 'room-body with-thread' : 'room-body'}>
        <DropZone className="room-main" draftKey={draftKeyOf(room.id)} roomId={room.id} enabled={room.viewerIsMember}>
          {focusSeq !== null ? (
            <AroundList key={focusSeq} roomId={room.id} seq={focusSeq} viewerId={viewer.id} options={options} />
          ) : (
            <MessageList
              roomId={room.id}
              viewer={viewer}
              epoch={epoch}
              listening={listening}
              lastReadSeq={room.viewerLastReadSeq ?? 0}
              reads={room.sharesReadReceipts ? live.reads[room.id] : undefined}
              options={options}
            />
          )}
          <p className="typing">
            {typing.length > 0 && `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`}
          </p>
          {room.viewerIsMember && (archived || muted) ? (
            <ReadOnlyNotice archived={archived} mutedUntil={room.viewerMutedUntil} />
          ) : room.viewerIsMember ? (
            room.kind === 'DIRECT' ? (
              <DirectComposer roomId={room.id} viewerId={viewer.id} fallback={room.name} />
            ) : (
              <Composer roomId={room.id} label={`Message ${room.name}`} />
            )
          ) : (
            <JoinBar roomId={room.id} />
          )}
        </DropZone>
        {threadRootId && (
          <ThreadPanel
            key={threadRootId}
            roomId={room.id}
            rootId={threadRootId}
            viewerId={viewer.id}
            options={options}
            canReply={room.viewerIsMember && !archived && !muted}
            onClose={() => setThreadRootId(null)}
          />
        )}
      </div>
    </section>
  );
}

function JoinBar({ roomId }: { roomId: string }) {
  const [{ fetching, error }, join] = useMutation(JoinRoomMutation);
  return (
    <div className="composer">
      <p>You are reading this room as a visitor.</p>
      <button type="button" disabled={fetching} onClick={() => void join({ input: { roomId } })}>
        Join to write
      </button>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
    </div>
  );
}

/** Members of a private room invite others by username; the invitee then joins by the room's name. */
function InviteForm({ roomId, roomName }: { roomId: string; roomName: string }) {
  const [{ fetching }, invite] = useMutation(InviteMutation);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const username = String(new FormData(form).get('username') ?? '').trim();
    const result = await invite({ input: { roomId, username } });
    if (result.error) return setOutcome({ ok: false, text: errorText(result.error) });
    form.reset();
    setOutcome({ ok: true, text: `Invited ${username}: they can now join “${roomName}” from the directory.` });
  };
  return (
    <details className="invite">
      <summary>
        Invite<span className="wide-only"> someone</span>
      </summary>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Username to invite
          <input name="username" required minLength={3} maxLength={32} autoComplete="off" />
        </label>
        <button type="submit" disabled={fetching}>
          Invite
        </button>
        {outcome && (
          <p className={outcome.ok ? 'hint' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
            {outcome.text}
          </p>
        )}
      </form>
    </details>
  );
}
