import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { sessionKey, signedOut, useSession, useSignOut } from '../api/auth';
import { setUnauthenticatedHandler } from '../api/client';
import { LiveEventsProvider } from '../api/live-events';
import { ErrorPanel } from './error-panel';
import { LoadingPanel } from './loading-panel';
import { ApiStatusBanner } from './api-status-banner';
import { Icon, icons } from './icon';

const sections = [
  { to: '/flows', label: 'Flows', icon: icons.flows },
  { to: '/numbers', label: 'Phone numbers', icon: icons.phone },
  { to: '/numbers/blocked', label: 'Blocked callers', icon: icons.offline },
  { to: '/calls', label: 'Calls', icon: icons.calls },
  { to: '/connections', label: 'Connections', icon: icons.plug },
] as const;

/**
 * The frame of every page: the product bar with the three sections, who is signed in, the API
 * status, the page. Signed out (or when any request answers 401), it sends you to /sign-in.
 */
export function AppShell() {
  const session = useSession();
  const queryClient = useQueryClient();
  const location = useLocation();
  const signOut = useSignOut();
  // Signing out on purpose starts afresh; a session that ended under you returns you to this page.
  const signingOut = useRef(false);
  useEffect(() => {
    setUnauthenticatedHandler(() => queryClient.setQueryData(sessionKey, signedOut));
    return () => setUnauthenticatedHandler(undefined);
  }, [queryClient]);

  if (session.isPending) return <LoadingPanel what="Switchboard" />;
  if (session.isError) {
    // Most likely the API is down: say so as every page does, and offer to try again.
    return (
      <div className="app">
        <ApiStatusBanner />
        <main id="main" className="app__main">
          <ErrorPanel what="your session" error={session.error} onRetry={() => void session.refetch()} />
        </main>
      </div>
    );
  }
  const user = session.data.user;
  if (!user) return <Navigate to="/sign-in" replace state={signingOut.current ? null : { from: `${location.pathname}${location.search}` }} />;

  return (
    <LiveEventsProvider>
      <div className="app">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <NavLink to="/flows" className="brand" aria-label="Switchboard home">
            <span className="brand__mark" aria-hidden="true">
              <Icon path={icons.phone} size={14} />
            </span>
            Switchboard
          </NavLink>
          <nav aria-label="Sections">
            <ul className="topbar__nav">
              {sections.map((section) => (
                <li key={section.to}>
                  <NavLink to={section.to} end={section.to === '/numbers'} className={({ isActive }) => `topbar__link${isActive ? ' is-active' : ''}`}>
                    <Icon path={section.icon} />
                    {section.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="topbar__user">
            {user.role === 'owner' && (
              <NavLink to="/settings" className={({ isActive }) => `topbar__link${isActive ? ' is-active' : ''}`}>
                Settings
              </NavLink>
            )}
            <span className="topbar__who" title={user.email}>
              {user.name} <span className="pill">{user.role}</span>
            </span>
            <button type="button" className="button button--small" onClick={() => {
                signingOut.current = true;
                signOut.mutate();
              }} disabled={signOut.isPending}>
              Sign out
            </button>
          </div>
        </header>
        <ApiStatusBanner />
        {user.role === 'viewer' && (
          <p className="viewer-banner" role="note">
            You have view-only access: you can look at flows, numbers and calls but not change them. Ask an owner for the builder role.
          </p>
        )}
        <main id="main" className="app__main">
          <Outlet />
        </main>
      </div>
    </LiveEventsProvider>
  );
}
