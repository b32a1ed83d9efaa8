import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AttachButton, PendingAttachments, pastedFiles } from '../attachments/ComposerAttachments';
import { attachFiles, clearAttachments, draftKeyOf, readiness, useDraft } from '../attachments/draft';
import { RoomMembersQuery, SendMessageMutation, SetTypingMutation } from '../messages';
import { displayName } from '../rooms';
import { newClientMessageId, outbox } from '../outbox';
import { errorText } from './errors';

/**
 * Sends a message with an idempotency key, shown at once (the cache's optimistic result); a send
 * that fails moves to the outbox, from where a retry sends it again under the same key.
 */
export function useSend(roomId: string, threadRootId?: string) {
  const [, sendMessage] = useMutation(SendMessageMutation);
  return useCallback(
    (body: string, clientMessageId = newClientMessageId(), attachmentIds: string[] = []) => {
      outbox.remove(clientMessageId);
      const input = { roomId, body, clientMessageId, threadRootId, ...(attachmentIds.length ? { attachmentIds } : {}) };
      void sendMessage({ input }).then((result) => {
        if (result.error) outbox.add({ roomId, clientMessageId, body, attachmentIds, error: errorText(result.error) });
      });
    },
    [roomId, threadRootId, sendMessage],
  );
}

/** The longest body the server takes. */
export const BODY_MAX = 4000;

/** The @name being typed just before the caret, if any: where it starts and what is typed so far. */
function mentionAt(text: string, caret: number): { start: number; prefix: string } | null {
  const match = /(?:^|[\s(])@([a-zA-Z0-9_.-]{0,32})$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[1]!.length - 1, prefix: match[1]!.toLowerCase() } : null;
}

/** Room members whose username or name starts with what follows the @ being typed. */
function useMentionSuggestions(roomId: string, typed: { prefix: string } | null) {
  const [{ data }] = useQuery({ query: RoomMembersQuery, variables: { roomId }, pause: typed === null });
  if (!typed) return [];
  const members = data?.room?.members.edges.map((edge) => edge.node) ?? [];
  return members
    .filter(
      (user) =>
        user.username.toLowerCase().startsWith(typed.prefix) ||
        (user.displayName ?? '').toLowerCase().startsWith(typed.prefix),
    )
    .slice(0, 6);
}

/** Re-announce typing this often while it goes on (the server forgets it 5 s after the last call). */
const TYPING_REFRESH_MS = 3_000;

/** Tells the room when the viewer starts and stops typing, without a call per keystroke. */
function useTypingNotice(roomId: string) {
  const [, setTyping] = useMutation(SetTypingMutation);
  const announcedAt = useRef(0);
  const stop = useCallback(() => {
    if (!announcedAt.current) return;
    announcedAt.current = 0;
    void setTyping({ input: { roomId, typing: false } });
  }, [roomId, setTyping]);
  const typed = useCallback(
    (text: string) => {
      if (!text.trim()) return stop();
      if (Date.now() - announcedAt.current < TYPING_REFRESH_MS) return;
      announcedAt.current = Date.now();
      void setTyping({ input: { roomId, typing: true } });
    },
    [roomId, setTyping, stop],
  );
  useEffect(() => stop, [stop]);
  return { typed, stop };
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line; `@` suggests room members (Tab or
 * Enter takes the first, or pick one). A body over 4,000 characters is kept whole and counted, and
 * cannot be sent until it fits. Files (attached, pasted, or dropped on the conversation) upload at
 * once and go with the message, which may then have no text.
 */
export function Composer({ roomId, label, threadRootId }: { roomId: string; label: string; threadRootId?: string }) {
  const [body, setBody] = useState('');
  const [caret, setCaret] = useState(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const send = useSend(roomId, threadRootId);
  const typing = useTypingNotice(roomId);
  const typed = mentionAt(body, caret);
  const suggestions = useMentionSuggestions(roomId, typed);
  const length = [...body.trim()].length;
  const tooLong = length > BODY_MAX;
  const id = threadRootId ? 'thread-input' : 'composer-input';
  const draftKey = draftKeyOf(roomId, threadRootId);
  const files = readiness(useDraft(draftKey));
  const sendable = (body.trim() !== '' || files.attachments.length > 0) && files.ready && !tooLong;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!sendable) return;
    typing.stop();
    send(
      body,
      undefined,
      files.attachments.map((attachment) => attachment.id),
    );
    setBody('');
    clearAttachments(draftKey);
  };
  const pick = (username: string) => {
    if (!typed) return;
    const next = `${body.slice(0, typed.start)}@${username} ${body.slice(caret)}`;
    const at = typed.start + username.length + 2;
    setBody(next);
    setCaret(at);
    requestAnimationFrame(() => input.current?.setSelectionRange(at, at));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length > 0 && (event.key === 'Tab' || event.key === 'Enter') && !event.shiftKey) {
      event.preventDefault();
      pick(suggestions[0]!.username);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <PendingAttachments draftKey={draftKey} />
      <AttachButton draftKey={draftKey} roomId={roomId} />
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <textarea
        id={id}
        ref={input}
        rows={1}
        value={body}
        placeholder={label}
        aria-describedby={`${id}-help`}
        aria-invalid={tooLong || undefined}
        autoFocus
        onChange={(event) => {
          setBody(event.target.value);
          setCaret(event.target.selectionStart);
          typing.typed(event.target.value);
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onPaste={(event) => {
          const pasted = pastedFiles(event);
          if (pasted.length === 0) return;
          event.preventDefault();
          attachFiles(draftKey, roomId, pasted);
        }}
        onKeyDown={onKeyDown}
        onBlur={typing.stop}
      />
      {suggestions.length > 0 && (
        <ul className="mentions" role="listbox" aria-label="Members to mention">
          {suggestions.map((user, i) => (
            <li key={user.id} role="option" aria-selected={i === 0}>
              <button type="button" onMouseDown={(event) => event.preventDefault()} onClick={() => pick(user.username)}>
                @{user.username}
                {user.displayName && <span className="hint"> {displayName(user)}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      <span id={`${id}-help`} className={tooLong || length > BODY_MAX - 200 ? 'counter' : 'visually-hidden'}>
        {tooLong || length > BODY_MAX - 200
          ? `${length.toLocaleString()} / ${BODY_MAX.toLocaleString()} characters${tooLong ? ': too long to send' : ''}`
          : 'Enter sends; Shift+Enter starts a new line; paste or drop files to attach them.'}
      </span>
      <button type="submit" disabled={!sendable}>
        Send
      </button>
    </form>
  );
}
