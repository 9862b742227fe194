import { useHealth } from '../api/health';
import { Icon, icons } from './icon';

/** A bar across the top when the API or what it depends on is down; nothing when all is well. */
export function ApiStatusBanner() {
  const health = useHealth();
  let message: string | undefined;
  if (health.isError) {
    message = 'Lost contact with the Switchboard API. Changes stay in this tab and are saved when it is back.';
  } else if (health.data && !health.data.healthy) {
    const down = [health.data.database !== 'ok' && 'the database', health.data.temporal !== 'ok' && 'Temporal'].filter(Boolean).join(' and ');
    message = `The API is running but cannot reach ${down}: saving and calls may fail.`;
  }
  if (!message) return null;
  return (
    <div className="api-banner" role="alert">
      <Icon path={icons.offline} />
      <span>{message}</span>
      <button type="button" className="button button--small" onClick={() => void health.refetch()} disabled={health.isFetching}>
        {health.isFetching ? 'Checking…' : 'Check again'}
      </button>
    </div>
  );
}
