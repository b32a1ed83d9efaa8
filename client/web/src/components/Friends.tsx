import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  FriendsQuery,
  RemoveFriendMutation,
  RespondToFriendRequestMutation,
  SendFriendRequestMutation,
  UnblockUserMutation,
} from '../people';
import { displayName } from '../rooms';
import { errorText } from './errors';
import { Avatar } from './UserCard';

/** Friends, incoming friend requests, asking someone, and the users the viewer blocked. */
export function Friends() {
  const [{ data, error }] = useQuery({ query: FriendsQuery, requestPolicy: 'cache-and-network' });
  const [, request] = useMutation(SendFriendRequestMutation);
  const [, respond] = useMutation(RespondToFriendRequestMutation);
  const [, remove] = useMutation(RemoveFriendMutation);
  const [, unblock] = useMutation(UnblockUserMutation);
  const [username, setUsername] = useState('');
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const friends = data?.friends.edges.map((e) => e.node) ?? [];
  const requests = data?.friendRequests.edges.map((e) => e.node) ?? [];
  const blocked = data?.blockedUsers.edges.map((e) => e.node) ?? [];

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    const result = await request({ input: { username: username.trim() } });
    if (result.error) setSaid({ ok: false, text: errorText(result.error) });
    else {
      setSaid({
        ok: true,
        text:
          result.data?.sendFriendRequest.friendship === 'FRIENDS'
            ? `You and ${username.trim()} are friends`
            : `Asked ${username.trim()}`,
      });
      setUsername('');
    }
  };

  return (
    <section className="friends" aria-labelledby="friends-title">
      <h2 id="friends-title">Friends</h2>
      {error && !data && (
        <p className="error" role="alert">
          Your friends could not be loaded.
        </p>
      )}
      <form onSubmit={(event) => void ask(event)} className="inline-form">
        <label htmlFor="friend-username">Username to ask</label>
        <input
          id="friend-username"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          autoComplete="off"
          required
        />
        <button type="submit">Ask to be friends</button>
      </form>
      {said && (
        <p className={said.ok ? 'hint' : 'error'} role={said.ok ? 'status' : 'alert'}>
          {said.text}
        </p>
      )}
      {requests.length > 0 && (
        <>
          <h3>Asked you</h3>
          <ul className="people">
            {requests.map((user) => (
              <li key={user.id}>
                <Avatar user={user} /> {displayName(user)}
                <button
                  type="button"
                  className="small"
                  onClick={() => void respond({ input: { username: user.username, accept: true } })}
                >
                  Accept<span className="visually-hidden"> {user.username}</span>
                </button>
                <button
                  type="button"
                  className="small secondary"
                  onClick={() => void respond({ input: { username: user.username, accept: false } })}
                >
                  Decline<span className="visually-hidden"> {user.username}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Your friends</h3>
      {data && friends.length === 0 && <p className="hint">No friends yet.</p>}
      <ul className="people">
        {friends.map((user) => (
          <li key={user.id}>
            <Avatar user={user} /> {displayName(user)} <span className="hint">@{user.username}</span>
            <button
              type="button"
              className="small secondary"
              onClick={() => void remove({ input: { username: user.username } })}
            >
              Remove<span className="visually-hidden"> {user.username}</span>
            </button>
          </li>
        ))}
      </ul>
      {blocked.length > 0 && (
        <>
          <h3>Blocked</h3>
          <ul className="people">
            {blocked.map((user) => (
              <li key={user.id}>
                {displayName(user)} <span className="hint">@{user.username}</span>
                <button
                  type="button"
                  className="small secondary"
                  onClick={() => void unblock({ input: { username: user.username } })}
                >
                  Unblock<span className="visually-hidden"> {user.username}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
