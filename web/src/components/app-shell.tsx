import { NavLink, Outlet } from 'react-router';
import { LiveEventsProvider } from '../api/live-events';
import { ApiStatusBanner } from './api-status-banner';
import { Icon, icons } from './icon';

const sections = [
  { to: '/flows', label: 'Flows', icon: icons.flows },
  { to: '/numbers', label: 'Phone numbers', icon: icons.phone },
  { to: '/calls', label: 'Calls', icon: icons.calls },
  { to: '/connections', label: 'Connections', icon: icons.plug },
] as const;

/** The frame of every page: the product bar with the three sections, the API status, the page. */
export function AppShell() {
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
                  <NavLink to={section.to} className={({ isActive }) => `topbar__link${isActive ? ' is-active' : ''}`}>
                    <Icon path={section.icon} />
                    {section.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        <ApiStatusBanner />
        <main id="main" className="app__main">
          <Outlet />
        </main>
      </div>
    </LiveEventsProvider>
  );
}
