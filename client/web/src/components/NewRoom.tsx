import { type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { Link, navigate, roomPath } from '../router';
import { errorText } from './errors';

const CreateRoomMutation = graphql(`
  mutation CreateRoom($input: CreateRoomInput!) {
    createRoom(input: $input) {
      ...RoomSummary
    }
  }
`);

const OpenDirectRoomMutation = graphql(`
  mutation OpenDirectRoom($input: OpenDirectRoomInput!) {
    openDirectRoom(input: $input) {
      ...RoomSummary
    }
  }
`);

const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? '').trim();

/** Start something: a public or private room, or a direct conversation with a user. */
export function NewRoom() {
  const [created, createRoom] = useMutation(CreateRoomMutation);
  const [opened, openDirectRoom] = useMutation(OpenDirectRoomMutation);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const topic = field(form, 'topic');
    const kind = field(form, 'kind') === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC';
    const result = await createRoom({ input: { name: field(form, 'name'), kind, ...(topic ? { topic } : {}) } });
    if (result.data) navigate(roomPath(result.data.createRoom.id));
  };
  const openDirect = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = await openDirectRoom({ input: { username: field(event.currentTarget, 'username') } });
    if (result.data) navigate(roomPath(result.data.openDirectRoom.id));
  };

  return (
    <section className="panel" aria-labelledby="new-title">
      <Link to="/" className="back">
        <span aria-hidden="true">‹ </span>Rooms
      </Link>
      <h2 id="new-title">New room</h2>
      <form className="card" onSubmit={(event) => void create(event)} aria-labelledby="create-title">
        <h3 id="create-title">Create a room</h3>
        <label>
          Room name
          <input name="name" required maxLength={64} autoComplete="off" />
        </label>
        <label>
          Topic <span className="hint">(optional)</span>
          <input name="topic" maxLength={256} autoComplete="off" />
        </label>
        <fieldset>
          <legend>Who can join</legend>
          <label className="choice">
            <input type="radio" name="kind" value="PUBLIC" defaultChecked /> Public: anyone, from the directory
          </label>
          <label className="choice">
            <input type="radio" name="kind" value="PRIVATE" /> Private: only people you invite
          </label>
        </fieldset>
        {created.error && (
          <p className="error" role="alert">
            {errorText(created.error)}
          </p>
        )}
        <button type="submit" disabled={created.fetching}>
          Create room
        </button>
      </form>
      <form className="card" onSubmit={(event) => void openDirect(event)} aria-labelledby="direct-title">
        <h3 id="direct-title">Message someone</h3>
        <label>
          Username
          <input name="username" required minLength={3} maxLength={32} autoComplete="off" />
        </label>
        {opened.error && (
          <p className="error" role="alert">
            {errorText(opened.error)}
          </p>
        )}
        <button type="submit" disabled={opened.fetching}>
          Open conversation
        </button>
      </form>
    </section>
  );
}
