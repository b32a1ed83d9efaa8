import { useState, type FormEvent } from 'react';
import { ApiError, login, register } from '../session';
import { errorText } from './errors';

type Mode = 'signIn' | 'register';

/** Sign in, or create an account; either way the session is kept across reloads. */
export function SignIn() {
  const [mode, setMode] = useState<Mode>('signIn');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    setBusy(true);
    setError(null);
    try {
      if (mode === 'register') {
        const displayName = String(form.get('displayName') ?? '').trim();
        await register({ username, password, ...(displayName ? { displayName } : {}) });
      } else {
        await login({ username, password });
      }
    } catch (caught) {
      setError(caught instanceof ApiError ? errorText(caught) : 'Something went wrong; try again.');
      setBusy(false);
    }
  };

  const title = mode === 'signIn' ? 'Sign in' : 'Create an account';
  return (
    <main className="sign-in">
      <h1 className="brand">Chat</h1>
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title" className="card">
        <h2 id="sign-in-title">{title}</h2>
        <label>
          Username
          <input name="username" autoComplete="username" required minLength={3} maxLength={32} autoFocus />
        </label>
        {mode === 'register' && (
          <label>
            Display name <span className="hint">(optional)</span>
            <input name="displayName" autoComplete="nickname" maxLength={64} />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
            required
            minLength={mode === 'register' ? 8 : 1}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {title}
        </button>
        <p>
          {mode === 'signIn' ? 'New here? ' : 'Have an account? '}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === 'signIn' ? 'register' : 'signIn');
              setError(null);
            }}
          >
            {mode === 'signIn' ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </form>
    </main>
  );
}
