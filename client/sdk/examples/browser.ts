// In a browser (bundled by Vite or similar): the session survives reloads in localStorage, the
// browser's own fetch and WebSocket are used. Typechecked with the tests; not run by them.
import { createChatClient, localStorageTokens, type Message } from '@chat/sdk';

const chat = createChatClient({
  url: new URL('/graphql', location.href).href,
  storage: localStorageTokens(),
});

export async function signIn(username: string, password: string) {
  return chat.login({ username, password });
}

/** Shows a room's messages as they come; returns the function that stops. */
export function showRoom(roomId: string, list: HTMLElement): () => void {
  const stream = chat.room(roomId).messages();
  stream.onMessage((message: Message) => {
    const item = document.createElement('li');
    item.textContent = `${message.author.displayName ?? message.author.username}: ${message.body}`;
    list.append(item);
  });
  return () => stream.close();
}

// Show a "reconnecting…" line while the socket is down.
chat.on('closed', () => document.body.classList.add('reconnecting'));
chat.on('connected', () => document.body.classList.remove('reconnecting'));
