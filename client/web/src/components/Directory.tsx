import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { JoinRoomMutation } from '../rooms';
import { Link, navigate, roomPath } from '../router';
import { errorText } from './errors';

const PublicRoomsQuery = graphql(`
  query PublicRooms($search: String) {
    publicRooms(first: 50, search: $search) {
      edges {
        node {
          ...RoomSummary
        }
      }
    }
  }
`);

/** The public rooms, searchable by name; joining one opens it. Private rooms are joined by name. */
export function Directory() {
  const [search, setSearch] = useState('');
  // Asked once typing pauses, not at every keystroke.
  const [asked, setAsked] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setAsked(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const [{ data, error, fetching }] = useQuery({
    query: PublicRoomsQuery,
    variables: { search: asked || null },
    requestPolicy: 'cache-and-network',
  });
  const [joining, join] = useMutation(JoinRoomMutation);
  const joinAndOpen = async (input: { roomId: string } | { name: string }) => {
    const result = await join({ input });
    if (result.data) navigate(roomPath(result.data.joinRoom.id));
  };
  const rooms = data?.publicRooms.edges.map((edge) => edge.node) ?? [];

  return (
    <section className="panel" aria-labelledby="directory-title">
      <Link to="/" className="back">
        <span aria-hidden="true">‹ </span>Rooms
      </Link>
      <h2 id="directory-title">Directory</h2>
      <label className="search">
        Search public rooms
        <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      {joining.error && (
        <p className="error" role="alert">
          {errorText(joining.error)}
        </p>
      )}
      <ul className="directory" aria-busy={fetching} aria-label="Public rooms">
        {rooms.map((room) => (
          <li key={room.id}>
            <div>
              <strong>{room.name}</strong>
              <span className="hint">
                {' '}
                · {room.memberCount} {room.memberCount === 1 ? 'member' : 'members'}
              </span>
              {room.topic && <p className="hint">{room.topic}</p>}
            </div>
            {room.viewerIsMember ? (
              <Link to={roomPath(room.id)} className="button secondary">
                Open<span className="visually-hidden"> {room.name}</span>
              </Link>
            ) : (
              <button type="button" disabled={joining.fetching} onClick={() => void joinAndOpen({ roomId: room.id })}>
                Join<span className="visually-hidden"> {room.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {data && rooms.length === 0 && <p className="hint">No public room matches.</p>}
      <JoinByName onJoin={(name) => joinAndOpen({ name })} busy={joining.fetching} />
    </section>
  );
}

/** A private room one was invited to is joined by its name (it is not listed). */
function JoinByName({ onJoin, busy }: { onJoin(name: string): Promise<void>; busy: boolean }) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    if (name) void onJoin(name);
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="join-by-name-title">
      <h3 id="join-by-name-title">Join a private room</h3>
      <p className="hint">Invited to a private room? Join it by its name.</p>
      <label>
        Room name
        <input name="name" required maxLength={64} autoComplete="off" />
      </label>
      <button type="submit" disabled={busy}>
        Join
      </button>
    </form>
  );
}
