import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  BlockUserMutation,
  MessageUserMutation,
  PersonQuery,
  SendFriendRequestMutation,
  UnblockUserMutation,
} from '../people';
import { displayName } from '../rooms';
import { navigate, roomPath } from '../router';
import { errorText } from './errors';

/** A user's picture: their avatar, or their initials. */
export function Avatar({
  user,
}: {
  user: { username: string; displayName?: string | null; avatarUrl?: string | null };
}) {
  if (user.avatarUrl) return <img className="avatar" src={user.avatarUrl} alt="" width={24} height={24} />;
  const initials = displayName(user)
    .split(/\s+/)
    .map((part) => [...part][0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <span className="avatar initials" aria-hidden="true">
      {initials}
    </span>
  );
}

/** A user's card, opened from their name: message them, ask to be friends, block or unblock. */
export function UserCard({ userId, onClose }: { userId: string; onClose(): void }) {
  const [{ data }] = useQuery({ query: PersonQuery, variables: { id: userId }, requestPolicy: 'cache-and-network' });
  const [, block] = useMutation(BlockUserMutation);
  const [, unblock] = useMutation(UnblockUserMutation);
  const [, befriend] = useMutation(SendFriendRequestMutation);
  const [, openDirect] = useMutation(MessageUserMutation);
  const [problem, setProblem] = useState<string | null>(null);
  const user = data?.node && 'username' in data.node ? data.node : null;
  if (!user) return null;
  const run = async (action: () => Promise<{ error?: Parameters<typeof errorText>[0] }>) => {
    const result = await action();
    setProblem(result.error ? errorText(result.error) : null);
  };
  const input = { username: user.username };
  return (
    <div className="user-card" role="group" aria-label={`About ${displayName(user)}`}>
      <p>
        <Avatar user={user} /> <strong>{displayName(user)}</strong> <span className="hint">@{user.username}</span>
      </p>
      <p className="actions">
        {user.friendship !== 'BLOCKED' && (
          <button
            type="button"
            className="small"
            onClick={() =>
              void openDirect({ input }).then((result) => {
                if (result.data) navigate(roomPath(result.data.openDirectRoom.id));
                else if (result.error) setProblem(errorText(result.error));
              })
            }
          >
            Message
          </button>
        )}
        {user.friendship === 'NONE' && (
          <button type="button" className="small" onClick={() => void run(() => befriend({ input }))}>
            Add friend
          </button>
        )}
        {user.friendship === 'BLOCKED' ? (
          <button type="button" className="small secondary" onClick={() => void run(() => unblock({ input }))}>
            Unblock
          </button>
        ) : (
          <button type="button" className="small secondary" onClick={() => void run(() => block({ input }))}>
            Block
          </button>
        )}
        <button type="button" className="small secondary" onClick={onClose}>
          Close
        </button>
      </p>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
