import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { typingIn, type LiveState } from '../live';
import { JoinRoomMutation } from '../rooms';
import { Link } from '../router';
import type { Viewer } from '../session';
import { Composer } from './Composer';
import { PeerName } from './DirectPeer';
import { errorText } from './errors';
import { MessageList } from './MessageList';
import { WebhookSettings } from './Webhooks';

const RoomQuery = graphql(`
  query Room($roomId: ID!) {
    room(id: $roomId) {
      ...RoomSummary
    }
  }
`);

const InviteMutation = graphql(`
  mutation InviteToRoom($input: InviteToRoomInput!) {
    inviteToRoom(input: $input) {
      id
      memberCount
    }
  }
`);

/** A room: its name and members, its messages, who is typing, and the message box. */
export function RoomView({
  roomId,
  viewer,
  live,
  epoch,
  onlineUsers,
}: {
  roomId: string;
  viewer: Viewer;
  live: LiveState;
  epoch: number;
  onlineUsers: number | undefined;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: RoomQuery,
    variables: { roomId },
    requestPolicy: 'cache-and-network',
  });
  const room = data?.room;
  if (!room) {
    return fetching ? (
      <p className="hint">Loading…</p>
    ) : (
      <p className="error" role="alert">
        {error ? errorText(error) : 'There is no such room.'}
      </p>
    );
  }
  const typing = typingIn(live, roomId, epoch);
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
          </p>
        </div>
        {room.kind === 'PRIVATE' && room.viewerIsMember && <InviteForm roomId={room.id} roomName={room.name} />}
        {room.kind !== 'DIRECT' && room.viewerIsMember && <WebhookSettings roomId={room.id} />}
      </header>
      <MessageList
        roomId={room.id}
        viewer={viewer}
        epoch={epoch}
        lastReadSeq={room.viewerLastReadSeq ?? 0}
        reads={live.reads[room.id]}
      />
      <p className="typing">
        {typing.length > 0 && `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`}
      </p>
      {room.viewerIsMember ? <Composer roomId={room.id} roomName={room.name} /> : <JoinBar roomId={room.id} />}
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
