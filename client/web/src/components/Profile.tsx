import { useEffect, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { ProfileQuery, UpdateProfileMutation, UploadAvatarMutation } from '../people';
import { currentPushSubscription, disablePush, enablePush, pushSupported } from '../push';
import { errorText } from './errors';
import { Avatar } from './UserCard';

/** The viewer's profile: display name, avatar (an uploaded image, or initials) and who may message them. */
export function Profile() {
  const [{ data }] = useQuery({ query: ProfileQuery, requestPolicy: 'cache-and-network' });
  const [, update] = useMutation(UpdateProfileMutation);
  const [, upload] = useMutation(UploadAvatarMutation);
  const [name, setName] = useState<string | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const me = data?.me;
  if (!me) return <p role="status">Loading…</p>;
  const roomId = data.myRooms.edges[0]?.node.id;

  const report = (result: { error?: Parameters<typeof errorText>[0] }, text: string) =>
    setSaid(result.error ? { ok: false, text: errorText(result.error) } : { ok: true, text });
  const save = async (event: FormEvent) => {
    event.preventDefault();
    report(await update({ input: { displayName: name ?? me.displayName ?? '' } }), 'Saved');
  };
  const setAvatar = async (file: File | undefined) => {
    if (!file || !roomId) return;
    const uploaded = await upload({ input: { roomId, file } });
    if (uploaded.error || !uploaded.data) return report(uploaded, '');
    report(await update({ input: { avatarAttachmentId: uploaded.data.uploadAttachment.id } }), 'Avatar changed');
  };

  return (
    <section className="profile" aria-labelledby="profile-title">
      <h2 id="profile-title">Your profile</h2>
      <p>
        <Avatar user={me} /> @{me.username}
      </p>
      <form onSubmit={(event) => void save(event)} className="inline-form">
        <label htmlFor="profile-name">Display name</label>
        <input
          id="profile-name"
          value={name ?? me.displayName ?? ''}
          maxLength={64}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit">Save</button>
      </form>
      <p>
        <label htmlFor="profile-avatar">Avatar (an image)</label>{' '}
        <input
          id="profile-avatar"
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          disabled={!roomId}
          onChange={(event) => void setAvatar(event.target.files?.[0])}
        />
        {me.avatarUrl && (
          <button
            type="button"
            className="small secondary"
            onClick={() =>
              void update({ input: { avatarAttachmentId: null } }).then((r) => report(r, 'Avatar removed'))
            }
          >
            Use initials
          </button>
        )}
        {!roomId && <span className="hint"> Join a room first: images are uploaded to one.</span>}
      </p>
      <fieldset>
        <legend>Who may start a direct conversation with you</legend>
        {(['EVERYONE', 'FRIENDS'] as const).map((policy) => (
          <label key={policy}>
            <input
              type="radio"
              name="dm-policy"
              checked={me.directMessagePolicy === policy}
              onChange={() => void update({ input: { directMessagePolicy: policy } }).then((r) => report(r, 'Saved'))}
            />{' '}
            {policy === 'EVERYONE' ? 'Everyone' : 'Friends only'}
          </label>
        ))}
      </fieldset>
      <PushSetting />
      {said && (
        <p className={said.ok ? 'hint' : 'error'} role={said.ok ? 'status' : 'alert'}>
          {said.text}
        </p>
      )}
    </section>
  );
}

/** Whether this browser shows notifications while the app is closed (Web Push). */
function PushSetting() {
  const client = useClient();
  const [on, setOn] = useState<boolean | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    void currentPushSubscription().then((subscription) => setOn(subscription !== null));
  }, []);
  if (!pushSupported()) return null;
  const toggle = () => {
    setProblem(null);
    (on ? disablePush(client) : enablePush(client)).then(
      () => setOn(!on),
      (error: Error) => setProblem(error.message),
    );
  };
  return (
    <p>
      <button type="button" className="secondary" onClick={toggle} disabled={on === null}>
        {on ? 'Stop notifications when the app is closed' : 'Notify me when the app is closed'}
      </button>
      {problem && (
        <span className="error" role="alert">
          {' '}
          {problem}
        </span>
      )}
    </p>
  );
}
