import { Provider } from 'urql';
import { chatClientOf } from '../client';
import { useSession } from '../session';
import { Chat } from './Chat';
import { SignIn } from './SignIn';

export function App() {
  const state = useSession();
  if (state.status === 'restoring') {
    return (
      <p className="splash" role="status">
        Loading…
      </p>
    );
  }
  if (state.status === 'guest') return <SignIn />;
  const chat = chatClientOf(state.viewer.id);
  return (
    <Provider value={chat.client}>
      <Chat viewer={state.viewer} connection={chat.connection} />
    </Provider>
  );
}
