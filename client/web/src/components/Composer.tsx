import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useMutation } from 'urql';
import { SendMessageMutation, SetTypingMutation } from '../messages';
import { newClientMessageId, outbox } from '../outbox';
import { errorText } from './errors';

/**
 * Sends a message with an idempotency key, shown at once (the cache's optimistic result); a send
 * that fails moves to the outbox, from where a retry sends it again under the same key.
 */
export function useSend(roomId: string) {
  const [, sendMessage] = useMutation(SendMessageMutation);
  return useCallback(
    (body: string, clientMessageId = newClientMessageId()) => {
      outbox.remove(clientMessageId);
      void sendMessage({ input: { roomId, body, clientMessageId } }).then((result) => {
        if (result.error) outbox.add({ roomId, clientMessageId, body, error: errorText(result.error) });
      });
    },
    [roomId, sendMessage],
  );
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

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ roomId, roomName }: { roomId: string; roomName: string }) {
  const [body, setBody] = useState('');
  const send = useSend(roomId);
  const typing = useTypingNotice(roomId);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!body.trim()) return;
    typing.stop();
    send(body);
    setBody('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="composer-input" className="visually-hidden">
        Message {roomName}
      </label>
      <textarea
        id="composer-input"
        rows={1}
        value={body}
        maxLength={4000}
        placeholder={`Message ${roomName}`}
        aria-describedby="composer-help"
        autoFocus
        onChange={(event) => {
          setBody(event.target.value);
          typing.typed(event.target.value);
        }}
        onKeyDown={onKeyDown}
        onBlur={typing.stop}
      />
      <span id="composer-help" className="visually-hidden">
        Enter sends; Shift+Enter starts a new line.
      </span>
      <button type="submit" disabled={!body.trim()}>
        Send
      </button>
    </form>
  );
}
