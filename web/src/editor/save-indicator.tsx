import { Icon, icons } from '../components/icon';
import { Spinner } from '../components/spinner';
import type { SaveState } from './use-autosave';

/** Says whether the draft is on the server: Saved, Saving…, or why not and what happens next. */
export function SaveIndicator({ state, onRetry }: { state: SaveState; onRetry(): void }) {
  if (state.status === 'error') {
    return (
      <span className="save save--error" role="alert" title={state.error}>
        <Icon path={icons.warning} /> Not saved{state.retryAt ? ' — retrying' : ''}
        <button type="button" className="link-button" onClick={onRetry}>
          Save now
        </button>
      </span>
    );
  }
  return (
    <span className={`save save--${state.status}`} aria-live="polite" data-testid="save-status">
      {state.status === 'saving' ? (
        <>
          <Spinner label="Saving" /> Saving…
        </>
      ) : state.status === 'pending' ? (
        'Unsaved changes'
      ) : (
        <>
          <Icon path={icons.check} /> Draft saved
        </>
      )}
    </span>
  );
}
