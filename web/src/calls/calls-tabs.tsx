import { NavLink } from 'react-router';
import { useLiveStatus } from '../api/live-events';

const tabs = [
  { to: '/calls', label: 'Live', end: true },
  { to: '/calls/history', label: 'History', end: false },
  { to: '/calls/stats', label: 'Stats', end: false },
] as const;

/** The three call pages, and whether live updates are connected. */
export function CallsTabs() {
  const status = useLiveStatus();
  return (
    <div className="calls-tabs">
      <nav aria-label="Call pages">
        {tabs.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} className={({ isActive }) => `calls-tabs__tab${isActive ? ' is-active' : ''}`}>
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <span className={`live-dot live-dot--${status}`} data-live-status={status} role="status">
        {status === 'live' ? 'Live updates on' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
      </span>
    </div>
  );
}
