import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import type { RoomRole } from '../gql/graphql';
import { displayName } from '../rooms';
import { errorText } from './errors';

/**
 * Roles and moderation in the web app: the member list with roles and what the viewer may do to
 * each (promote, mute, remove, ban), the room's settings (topic, slow mode, archive), the reports
 * of its messages for owners and moderators, a report action on messages, and the read-only notice
 * of an archived room or a muted member. The server decides (chat/policy.ts); these only offer what
 * it would allow, and show its refusal when it does not.
 */

const RoomMembersQuery = graphql(`
  query RoomMemberships($roomId: ID!) {
    room(id: $roomId) {
      id
      memberships(first: 100) {
        edges {
          node {
            role
            mutedUntil
            user {
              id
              username
              displayName
            }
          }
        }
      }
    }
  }
`);

graphql(`
  fragment RoomModerationState on Room {
    id
    name
    topic
    memberCount
    slowModeSeconds
    archivedAt
    viewerRole
    viewerMutedUntil
  }
`);

const SetMemberRole = graphql(`
  mutation SetMemberRole($input: SetMemberRoleInput!) {
    setMemberRole(input: $input) {
      ...RoomModerationState
    }
  }
`);
const RemoveMember = graphql(`
  mutation RemoveMember($input: ModerateMemberInput!) {
    removeMember(input: $input) {
      ...RoomModerationState
    }
  }
`);
const BanMember = graphql(`
  mutation BanMember($input: BanMemberInput!) {
    banMember(input: $input) {
      ...RoomModerationState
    }
  }
`);
const MuteMember = graphql(`
  mutation MuteMember($input: MuteMemberInput!) {
    muteMember(input: $input) {
      ...RoomModerationState
    }
  }
`);
const UnmuteMember = graphql(`
  mutation UnmuteMember($input: ModerateMemberInput!) {
    unmuteMember(input: $input) {
      ...RoomModerationState
    }
  }
`);
const UpdateRoom = graphql(`
  mutation UpdateRoom($input: UpdateRoomInput!) {
    updateRoom(input: $input) {
      ...RoomModerationState
    }
  }
`);
const ArchiveRoom = graphql(`
  mutation ArchiveRoom($input: ArchiveRoomInput!) {
    archiveRoom(input: $input) {
      ...RoomModerationState
    }
  }
`);
const UnarchiveRoom = graphql(`
  mutation UnarchiveRoom($input: ArchiveRoomInput!) {
    unarchiveRoom(input: $input) {
      ...RoomModerationState
    }
  }
`);
const ReportMessage = graphql(`
  mutation ReportMessage($input: ReportMessageInput!) {
    reportMessage(input: $input)
  }
`);
const RoomReportsQuery = graphql(`
  query RoomReports($roomId: ID!) {
    roomReports(roomId: $roomId, first: 50) {
      edges {
        node {
          id
          reason
          createdAt
          reporter {
            id
            username
            displayName
          }
          message {
            id
            body
            deletedAt
            author {
              id
              username
              displayName
            }
          }
        }
      }
    }
  }
`);
const DeleteReported = graphql(`
  mutation DeleteReportedMessage($input: DeleteMessageInput!) {
    deleteMessage(input: $input) {
      id
      body
      deletedAt
    }
  }
`);

const RANK: Record<RoomRole, number> = { OWNER: 3, MODERATOR: 2, MEMBER: 1 };
const ROLE_NAMES: Record<RoomRole, string> = { OWNER: 'Owner', MODERATOR: 'Moderator', MEMBER: 'Member' };
const MUTE_MS = 60 * 60 * 1000;

/** What the viewer's role lets them do in a room with roles (not a DIRECT one). */
export function moderationRights(room: { kind: string; viewerRole?: RoomRole | null; archivedAt?: unknown }) {
  const rank = room.kind === 'DIRECT' || !room.viewerRole ? 0 : RANK[room.viewerRole];
  return {
    /** Owners and moderators: settings, reports, removing members' messages, kicking, banning, muting. */
    moderates: rank >= RANK.MODERATOR,
    owns: rank >= RANK.OWNER,
    /** May act on a member of `role` (a rank above theirs). */
    outranks: (role: RoomRole) => rank >= RANK.MODERATOR && rank > RANK[role],
  };
}

type RoomState = {
  id: string;
  kind: string;
  name: string;
  topic?: string | null;
  slowModeSeconds: number;
  archivedAt?: unknown;
  viewerRole?: RoomRole | null;
};

/** The room's Members, Settings and Reports panels, in its header. */
export function RoomModeration({ room, viewerId }: { room: RoomState; viewerId: string }) {
  if (room.kind === 'DIRECT') return null;
  const rights = moderationRights(room);
  return (
    <>
      <details className="members-panel">
        <summary>Members</summary>
        <MemberList room={room} viewerId={viewerId} />
      </details>
      {rights.moderates && (
        <details className="settings-panel">
          <summary>Settings</summary>
          <RoomSettings room={room} />
        </details>
      )}
      {rights.moderates && (
        <details className="reports-panel">
          <summary>Reports</summary>
          <Reports roomId={room.id} />
        </details>
      )}
    </>
  );
}

function MemberList({ room, viewerId }: { room: RoomState; viewerId: string }) {
  const [{ data, error }, refetch] = useQuery({
    query: RoomMembersQuery,
    variables: { roomId: room.id },
    requestPolicy: 'cache-and-network',
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [, setRole] = useMutation(SetMemberRole);
  const [, remove] = useMutation(RemoveMember);
  const [, ban] = useMutation(BanMember);
  const [, mute] = useMutation(MuteMember);
  const [, unmute] = useMutation(UnmuteMember);
  const rights = moderationRights(room);
  const act = async (work: Promise<{ error?: Parameters<typeof errorText>[0] }>) => {
    const result = await work;
    setProblem(result.error ? errorText(result.error) : null);
    refetch({ requestPolicy: 'network-only' });
  };
  if (error) return <p className="error">{errorText(error)}</p>;
  const members = data?.room?.memberships.edges.map((edge) => edge.node) ?? [];
  return (
    <div>
      <ul className="member-list" aria-label="Members">
        {members.map((member) => {
          const name = displayName(member.user);
          const input = { roomId: room.id, userId: member.user.id };
          const self = member.user.id === viewerId;
          const mayAct = !self && rights.outranks(member.role);
          return (
            <li key={member.user.id}>
              <span className="member-name">{name}</span> <span className="role">{ROLE_NAMES[member.role]}</span>
              {member.mutedUntil && <span className="hint"> · muted</span>}
              <span className="member-actions">
                {rights.owns && !self && member.role === 'MEMBER' && (
                  <button
                    type="button"
                    className="small"
                    aria-label={`Make ${name} a moderator`}
                    onClick={() => void act(setRole({ input: { ...input, role: 'MODERATOR' } }))}
                  >
                    Make moderator
                  </button>
                )}
                {rights.owns && !self && member.role === 'MODERATOR' && (
                  <button
                    type="button"
                    className="small"
                    aria-label={`Make ${name} a member again`}
                    onClick={() => void act(setRole({ input: { ...input, role: 'MEMBER' } }))}
                  >
                    Demote
                  </button>
                )}
                {mayAct &&
                  (member.mutedUntil ? (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Unmute ${name}`}
                      onClick={() => void act(unmute({ input }))}
                    >
                      Unmute
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Mute ${name} for an hour`}
                      onClick={() =>
                        void act(mute({ input: { ...input, until: new Date(Date.now() + MUTE_MS).toISOString() } }))
                      }
                    >
                      Mute
                    </button>
                  ))}
                {mayAct && (
                  <button
                    type="button"
                    className="small"
                    aria-label={`Remove ${name} from the room`}
                    onClick={() => void act(remove({ input }))}
                  >
                    Remove
                  </button>
                )}
                {mayAct && (
                  <button
                    type="button"
                    className="small danger"
                    aria-label={`Ban ${name}`}
                    onClick={() => void act(ban({ input }))}
                  >
                    Ban
                  </button>
                )}
              </span>
            </li>
          );
        })}
      </ul>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

function RoomSettings({ room }: { room: RoomState }) {
  const [{ fetching }, update] = useMutation(UpdateRoom);
  const [, archive] = useMutation(ArchiveRoom);
  const [, unarchive] = useMutation(UnarchiveRoom);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const rights = moderationRights(room);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const result = await update({
      input: {
        roomId: room.id,
        topic: String(form.get('topic') ?? ''),
        slowModeSeconds: Number(form.get('slowModeSeconds') ?? 0),
      },
    });
    setOutcome(result.error ? { ok: false, text: errorText(result.error) } : { ok: true, text: 'Saved.' });
  };
  const toggleArchive = async () => {
    const result = await (room.archivedAt ? unarchive : archive)({ input: { roomId: room.id } });
    if (result.error) setOutcome({ ok: false, text: errorText(result.error) });
  };
  return (
    <div>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Topic
          <input name="topic" defaultValue={room.topic ?? ''} maxLength={500} autoComplete="off" />
        </label>
        <label>
          Slow mode (seconds between a member’s messages, 0 for off)
          <input name="slowModeSeconds" type="number" min={0} max={3600} defaultValue={room.slowModeSeconds} />
        </label>
        <button type="submit" disabled={fetching || !!room.archivedAt}>
          Save settings
        </button>
      </form>
      {rights.owns && (
        <button type="button" className="secondary" onClick={() => void toggleArchive()}>
          {room.archivedAt ? 'Unarchive the room' : 'Archive the room'}
        </button>
      )}
      {outcome && (
        <p className={outcome.ok ? 'hint' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </div>
  );
}

function Reports({ roomId }: { roomId: string }) {
  const [{ data, error }, refetch] = useQuery({
    query: RoomReportsQuery,
    variables: { roomId },
    requestPolicy: 'cache-and-network',
  });
  const [, remove] = useMutation(DeleteReported);
  const [problem, setProblem] = useState<string | null>(null);
  if (error) return <p className="error">{errorText(error)}</p>;
  const reports = data?.roomReports.edges.map((edge) => edge.node) ?? [];
  if (reports.length === 0) return <p className="hint">No reports.</p>;
  return (
    <div>
      <ul className="report-list" aria-label="Reports">
        {reports.map((report) => (
          <li key={report.id}>
            <p>
              <strong>{displayName(report.message.author)}</strong>:{' '}
              {report.message.deletedAt ? <em className="hint">Message deleted</em> : report.message.body}
            </p>
            <p className="hint">
              Reported by {displayName(report.reporter)}: {report.reason}
            </p>
            {!report.message.deletedAt && (
              <button
                type="button"
                className="small"
                onClick={() =>
                  void remove({ input: { messageId: report.message.id } }).then((result) => {
                    setProblem(result.error ? errorText(result.error) : null);
                    refetch({ requestPolicy: 'network-only' });
                  })
                }
              >
                Delete the message
              </button>
            )}
          </li>
        ))}
      </ul>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** A message's Report action: a reason, sent to the room's owners and moderators. */
export function ReportAction({ messageId }: { messageId: string }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [{ fetching }, report] = useMutation(ReportMessage);
  if (done) {
    return (
      <span className="hint" role="status">
        {done}
      </span>
    );
  }
  if (!open) {
    return (
      <button type="button" className="small" onClick={() => setOpen(true)}>
        Report<span className="visually-hidden"> this message</span>
      </button>
    );
  }
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get('reason') ?? '');
    const result = await report({ input: { messageId, reason } });
    setDone(result.error ? errorText(result.error) : 'Reported to the room’s moderators.');
  };
  return (
    <form className="report-form" onSubmit={(event) => void submit(event)}>
      <label>
        Why report it?
        <input name="reason" required maxLength={500} autoComplete="off" />
      </label>
      <button type="submit" className="small" disabled={fetching}>
        Send report
      </button>
      <button type="button" className="small secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

/** Instead of the message box: why the viewer cannot write here now. */
export function ReadOnlyNotice({ archived, mutedUntil }: { archived: boolean; mutedUntil?: string | null }) {
  const text = archived
    ? 'This room is archived: it is read-only.'
    : `You are muted in this room until ${new Date(mutedUntil!).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.`;
  return (
    <div className="composer read-only" role="status">
      <p>{text}</p>
    </div>
  );
}
