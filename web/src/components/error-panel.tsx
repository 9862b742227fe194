import { ApiError, errorMessage } from '../api/client';
import { Icon, icons } from './icon';

/** Props of {@link ErrorPanel}. */
export interface ErrorPanelProps {
  /** What could not be loaded, e.g. "the flows". */
  what: string;
  error: unknown;
  onRetry?: () => void;
}

/** Says what could not be loaded and why, with a retry; never a blank screen. */
export function ErrorPanel({ what, error, onRetry }: ErrorPanelProps) {
  const unreachable = error instanceof ApiError && error.kind === 'unreachable';
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div className="error-panel" role="alert">
      <Icon path={unreachable ? icons.offline : icons.warning} size={28} />
      <h2>{unreachable ? 'Cannot reach Switchboard' : notFound ? 'Not found' : `Could not load ${what}`}</h2>
      <p>
        {unreachable
          ? `The API did not answer, so ${what} could not be loaded. Check that the server is running (npm start), then try again.`
          : errorMessage(error)}
      </p>
      {onRetry && !notFound && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
