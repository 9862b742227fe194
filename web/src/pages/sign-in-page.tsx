import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { errorMessage } from '../api/client';
import { useSession, useSignIn } from '../api/auth';
import { ErrorPanel } from '../components/error-panel';
import { Icon, icons } from '../components/icon';
import { LoadingPanel } from '../components/loading-panel';

/**
 * `/sign-in`: email and password; on a fresh install (no user yet) it offers to create the owner
 * account instead. Afterwards it returns to the page that sent you here.
 */
export function SignInPage() {
  const session = useSession();
  const location = useLocation();
  const next = (location.state as { from?: string } | null)?.from ?? '/flows';
  // The Temporal UI (/temporal/…) sends signed-out operators here with ?next=; it is served beside
  // the app, not by its router, so going back is a full page load.
  const temporalPage = new URLSearchParams(location.search).get('next');
  const backToTemporal = temporalPage?.startsWith('/temporal/') && !temporalPage.startsWith('//') ? temporalPage : null;
  const signedIn = Boolean(session.data?.user);
  useEffect(() => {
    if (signedIn && backToTemporal) window.location.replace(backToTemporal);
  }, [signedIn, backToTemporal]);
  if (session.isPending) return <LoadingPanel what="Switchboard" />;
  if (session.isError) return <ErrorPanel what="your session" error={session.error} onRetry={() => void session.refetch()} />;
  if (session.data.user) return backToTemporal ? <LoadingPanel what="the Temporal UI" /> : <Navigate to={next} replace />;
  return <AuthForm setup={session.data.setupRequired} />;
}

function AuthForm({ setup }: { setup: boolean }) {
  const mutation = useSignIn(setup ? 'setup' : 'sign-in');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const problems = {
    email: /^[^\s@]+@[^\s@]+$/.test(email.trim()) ? undefined : 'Enter your email address',
    name: !setup || name.trim() ? undefined : 'Enter your name',
    password: !password ? 'Enter your password' : setup && password.length < 10 ? 'Use at least 10 characters' : undefined,
  };
  const invalid = Object.values(problems).some(Boolean);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (invalid) return;
    mutation.mutate({ email: email.trim(), password, ...(setup ? { name: name.trim() } : {}) });
  };

  const field = (id: keyof typeof problems, label: string, input: React.ReactNode, help?: string) => (
    <label className="field">
      <span className="field__label">{label}</span>
      {input}
      {help && <span className="field__help">{help}</span>}
      {touched && problems[id] && (
        <span id={`${id}-error`} className="field__error">
          {problems[id]}
        </span>
      )}
    </label>
  );

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <div className="auth-card__brand">
          <span className="brand__mark" aria-hidden="true">
            <Icon path={icons.phone} size={14} />
          </span>
          Switchboard
        </div>
        <h1 id="auth-title">{setup ? 'Create the owner account' : 'Sign in'}</h1>
        {setup && <p className="muted">This is a new Switchboard. The first account owns the workspace and can add other people later.</p>}
        {setup &&
          field(
            'name',
            'Your name',
            <input className="input" autoComplete="name" value={name} maxLength={120} aria-invalid={touched && problems.name ? true : undefined} aria-describedby="name-error" onChange={(e) => setName(e.target.value)} />,
          )}
        {field(
          'email',
          'Email',
          <input className="input" type="email" autoComplete={setup ? 'username' : 'email'} autoFocus value={email} aria-invalid={touched && problems.email ? true : undefined} aria-describedby="email-error" onChange={(e) => setEmail(e.target.value)} />,
        )}
        {field(
          'password',
          'Password',
          <input className="input" type="password" autoComplete={setup ? 'new-password' : 'current-password'} value={password} aria-invalid={touched && problems.password ? true : undefined} aria-describedby="password-error" onChange={(e) => setPassword(e.target.value)} />,
          setup ? 'At least 10 characters.' : undefined,
        )}
        {mutation.isError && (
          <p className="form-error" role="alert">
            {errorMessage(mutation.error)}
          </p>
        )}
        <button type="submit" className="button button--primary auth-card__submit" disabled={mutation.isPending}>
          {mutation.isPending ? (setup ? 'Creating…' : 'Signing in…') : setup ? 'Create account and sign in' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
