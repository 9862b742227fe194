import { Spinner } from './spinner';

/** The placeholder while a page's data loads. */
export function LoadingPanel({ what }: { what: string }) {
  return (
    <div className="loading-panel">
      <Spinner label={`Loading ${what}`} />
      <span>Loading {what}…</span>
    </div>
  );
}
