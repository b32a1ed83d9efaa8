import { useState, type KeyboardEvent } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { DeleteMessageMutation, EditMessageMutation, isPending, type Message } from '../messages';
import { displayName } from '../rooms';
import { errorText } from './errors';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function shortTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

/** One message; the viewer's own can be edited and deleted. */
export function MessageItem({ message, own, seenBy }: { message: Message; own: boolean; seenBy?: string[] }) {
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [, edit] = useMutation(EditMessageMutation);
  const [, remove] = useMutation(DeleteMessageMutation);
  const pending = isPending(message);
  const deleted = message.deletedAt != null;

  const report = (error: CombinedError | undefined) => setProblem(error ? errorText(error) : null);
  const save = (body: string) => {
    setEditing(false);
    if (body.trim() && body.trim() !== message.body) {
      void edit({ input: { messageId: message.id, body } }).then((result) => report(result.error));
    }
  };
  const del = () => {
    if (!window.confirm('Delete this message?')) return;
    void remove({ input: { messageId: message.id } }).then((result) => report(result.error));
  };

  return (
    <li className={`message${own ? ' own' : ''}${pending ? ' pending' : ''}`} aria-busy={pending || undefined}>
      <p className="meta">
        <span className="author">{displayName(message.author)}</span>{' '}
        <time dateTime={message.createdAt} title={dateTimeFormat.format(new Date(message.createdAt))}>
          {shortTime(message.createdAt)}
        </time>
        {message.editedAt && !deleted && <span className="hint"> (edited)</span>}
        {pending && <span className="hint"> Sending…</span>}
      </p>
      {editing ? (
        <EditForm body={message.body} onSave={save} onCancel={() => setEditing(false)} />
      ) : (
        <p className="body">{deleted ? <em className="hint">Message deleted</em> : message.body}</p>
      )}
      {own && !pending && !deleted && !editing && (
        <div className="actions">
          <button type="button" className="small" onClick={() => setEditing(true)}>
            Edit<span className="visually-hidden"> your message</span>
          </button>
          <button type="button" className="small" onClick={del}>
            Delete<span className="visually-hidden"> your message</span>
          </button>
        </div>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {seenBy && seenBy.length > 0 && <p className="seen">Seen by {seenBy.join(', ')}</p>}
    </li>
  );
}

/** Editing in place: Enter saves, Shift+Enter starts a new line, Escape cancels. */
function EditForm({ body, onSave, onCancel }: { body: string; onSave(body: string): void; onCancel(): void }) {
  const [text, setText] = useState(body);
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') onCancel();
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSave(text);
    }
  };
  return (
    <form
      className="edit"
      onSubmit={(event) => {
        event.preventDefault();
        onSave(text);
      }}
    >
      <label className="visually-hidden" htmlFor="edit-input">
        Edit message
      </label>
      <textarea
        id="edit-input"
        value={text}
        maxLength={4000}
        autoFocus
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="small">
        Save
      </button>
      <button type="button" className="small secondary" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
