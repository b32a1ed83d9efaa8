import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useMutation, type CombinedError } from 'urql';
import {
  AddReactionMutation,
  DeleteMessageMutation,
  EditMessageMutation,
  isPending,
  PinMessageMutation,
  RemoveReactionMutation,
  UnpinMessageMutation,
  type Message,
} from '../messages';
import { MessageAttachments } from '../attachments/MessageAttachments';
import { useBlocked } from '../people';
import { displayName } from '../rooms';
import { errorText } from './errors';
import { ReportAction } from './Moderation';
import { Avatar, UserCard } from './UserCard';

/** The picker's emoji: the common ones. */
export const COMMON_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'] as const;

/** Consecutive messages of one author within this long show as one group (one name and time). */
const GROUP_WITHIN_MS = 5 * 60_000;

/** Whether `message` continues the group of `previous`: same author, soon after, neither deleted nor pending. */
export function continuesGroup(previous: Message | undefined, message: Message): boolean {
  if (!previous || previous.author.id !== message.author.id || isPending(previous)) return false;
  return Date.parse(message.createdAt) - Date.parse(previous.createdAt) < GROUP_WITHIN_MS;
}

/** The body with the @names of the users it mentions highlighted (the viewer's more so). */
function withMentions(body: string, mentions: Message['mentions'], viewerId: string | undefined): ReactNode {
  if (mentions.length === 0) return body;
  const byName = new Map(mentions.map((user) => [user.username.toLowerCase(), user]));
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of body.matchAll(/@([a-zA-Z0-9_.-]{3,32})/g)) {
    const user = byName.get(match[1]!.replace(/\.+$/, '').toLowerCase());
    if (!user) continue;
    const end = match.index + 1 + user.username.length;
    parts.push(body.slice(last, match.index));
    parts.push(
      <mark key={match.index} className={`mention${user.id === viewerId ? ' me' : ''}`}>
        {body.slice(match.index, end)}
      </mark>,
    );
    last = end;
  }
  parts.push(body.slice(last));
  return parts;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function shortTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

export interface MessageOptions {
  /** The viewer's id (their own messages can be edited and deleted; their mentions stand out). */
  viewerId?: string;
  /** The viewer is a member (may react and reply). */
  canReact?: boolean;
  /** The viewer may pin messages of the room. */
  canPin?: boolean;
  /** The viewer owns or moderates the room: may delete others' messages (the server has the last word). */
  canModerate?: boolean;
  /** The viewer may report others' messages to the room's moderators. */
  canReport?: boolean;
  /** Opens the message's thread (top-level messages only). */
  onOpenThread?: (message: Message) => void;
}

/** One message: its reactions, its thread, and for the viewer's own, editing and deleting. */
export function MessageItem({
  message,
  own,
  seenBy,
  grouped = false,
  highlighted = false,
  options = {},
}: {
  message: Message;
  own: boolean;
  seenBy?: string[];
  /** Continues the previous message's group: no name and time of its own. */
  grouped?: boolean;
  /** The message jumped to: scrolled into view and marked. */
  highlighted?: boolean;
  options?: MessageOptions;
}) {
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [card, setCard] = useState(false);
  const [shown, setShown] = useState(false);
  const authorBlocked = useBlocked().has(message.author.id);
  const [, edit] = useMutation(EditMessageMutation);
  const [, remove] = useMutation(DeleteMessageMutation);
  const [, addReaction] = useMutation(AddReactionMutation);
  const [, removeReaction] = useMutation(RemoveReactionMutation);
  const [, pin] = useMutation(PinMessageMutation);
  const [, unpin] = useMutation(UnpinMessageMutation);
  const pending = isPending(message);
  const deleted = message.deletedAt != null;
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (highlighted) item.current?.scrollIntoView({ block: 'center' });
  }, [highlighted]);
  const { viewerId, canReact = false, canPin = false, canModerate = false, canReport = false, onOpenThread } = options;
  const live = !pending && !deleted;

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
  const toggle = (emoji: string, reacted: boolean) => {
    setPicking(false);
    void (reacted ? removeReaction : addReaction)({ input: { messageId: message.id, emoji } }).then((result) =>
      report(result.error),
    );
  };
  const togglePin = () => {
    void (message.pinnedAt ? unpin : pin)({ input: { messageId: message.id } }).then((result) => report(result.error));
  };
  const reactions = deleted ? [] : message.reactions;
  if (authorBlocked && !shown) {
    return (
      <li className="message collapsed" data-seq={pending ? undefined : message.seq}>
        <p className="hint">
          Message from a blocked user —{' '}
          <button type="button" className="link" onClick={() => setShown(true)}>
            show
          </button>
        </p>
      </li>
    );
  }
  const classes = ['message', own && 'own', pending && 'pending', grouped && 'grouped', highlighted && 'highlight'];

  return (
    <li
      ref={item}
      className={classes.filter(Boolean).join(' ')}
      aria-busy={pending || undefined}
      aria-current={highlighted || undefined}
      data-seq={pending ? undefined : message.seq}
    >
      <p className={grouped ? 'meta visually-hidden' : 'meta'}>
        <Avatar user={message.author} />{' '}
        {own ? (
          <span className="author">{displayName(message.author)}</span>
        ) : (
          <button type="button" className="author link" aria-expanded={card} onClick={() => setCard(!card)}>
            {displayName(message.author)}
          </button>
        )}{' '}
        <time dateTime={message.createdAt} title={dateTimeFormat.format(new Date(message.createdAt))}>
          {shortTime(message.createdAt)}
        </time>
        {message.editedAt && !deleted && <span className="hint"> (edited)</span>}
        {message.pinnedAt && !deleted && <span className="hint"> · Pinned</span>}
        {pending && <span className="hint"> Sending…</span>}
      </p>
      {card && <UserCard userId={message.author.id} onClose={() => setCard(false)} />}
      {editing ? (
        <EditForm body={message.body} onSave={save} onCancel={() => setEditing(false)} />
      ) : deleted || message.body || message.attachments.length === 0 ? (
        <p className="body">
          {deleted ? <em className="hint">Message deleted</em> : withMentions(message.body, message.mentions, viewerId)}
        </p>
      ) : null}
      {!deleted && <MessageAttachments attachments={message.attachments} />}
      {(reactions.length > 0 || picking) && (
        <div className="reactions" role="group" aria-label="Reactions">
          {reactions.map((reaction) => (
            <button
              key={reaction.emoji}
              type="button"
              className={`reaction${reaction.viewerReacted ? ' mine' : ''}`}
              aria-pressed={reaction.viewerReacted}
              disabled={!canReact}
              title={reaction.viewerReacted ? 'Take your reaction back' : 'React with this too'}
              onClick={() => toggle(reaction.emoji, reaction.viewerReacted)}
            >
              {reaction.emoji} <span className="count">{reaction.count}</span>
            </button>
          ))}
          {picking && (
            <span className="picker" role="group" aria-label="Pick a reaction">
              {COMMON_EMOJI.map((emoji) => {
                const reacted = reactions.some((r) => r.emoji === emoji && r.viewerReacted);
                return (
                  <button key={emoji} type="button" className="small" onClick={() => toggle(emoji, reacted)}>
                    {emoji}
                  </button>
                );
              })}
            </span>
          )}
        </div>
      )}
      {onOpenThread && message.replyCount > 0 && !pending && (
        <button type="button" className="link thread-link" onClick={() => onOpenThread(message)}>
          {message.replyCount} {message.replyCount === 1 ? 'reply' : 'replies'}
        </button>
      )}
      {live && !editing && (canReact || canPin || own || canModerate || canReport) && (
        <div className="actions">
          {canReact && (
            <button type="button" className="small" aria-expanded={picking} onClick={() => setPicking(!picking)}>
              React<span className="visually-hidden"> to this message</span>
            </button>
          )}
          {canReact && onOpenThread && (
            <button type="button" className="small" onClick={() => onOpenThread(message)}>
              Reply<span className="visually-hidden"> in a thread</span>
            </button>
          )}
          {canPin && (
            <button type="button" className="small" onClick={togglePin}>
              {message.pinnedAt ? 'Unpin' : 'Pin'}
              <span className="visually-hidden"> this message</span>
            </button>
          )}
          {own && (
            <button type="button" className="small" onClick={() => setEditing(true)}>
              Edit<span className="visually-hidden"> your message</span>
            </button>
          )}
          {(own || canModerate) && (
            <button type="button" className="small" onClick={del}>
              Delete<span className="visually-hidden">{own ? ' your message' : ' this message'}</span>
            </button>
          )}
          {canReport && !own && <ReportAction messageId={message.id} />}
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
