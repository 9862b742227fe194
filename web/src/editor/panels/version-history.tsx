import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { fetchFlowVersion, useFlowVersions } from '../../api/flows';
import type { DraftGraph, FlowVersion } from '../../api/types';
import { VersionCompare } from './version-compare';
import { ErrorPanel } from '../../components/error-panel';
import { Spinner } from '../../components/spinner';
import { dateTime, timeAgo } from '../../lib/text';

/** Props of {@link VersionHistory}. */
export interface VersionHistoryProps {
  flowId: string;
  /** Replaces the draft with a version (undoable). */
  onLoad(version: FlowVersion): void;
  /** Loads a version into the draft and publishes it as the newest version. */
  onRollBack(version: FlowVersion): Promise<void>;
  /** The draft as drawn now, to compare versions with. */
  draft: DraftGraph;
}

/** Published versions, newest first; any of them can be loaded into the draft or rolled back to. */
export function VersionHistory({ flowId, onLoad, onRollBack, draft }: VersionHistoryProps) {
  const versions = useFlowVersions(flowId);
  const [busy, setBusy] = useState<number | undefined>();
  const [error, setError] = useState<string | undefined>();

  const run = async (version: number, action: (loaded: FlowVersion) => Promise<void> | void) => {
    setBusy(version);
    setError(undefined);
    try {
      await action(await fetchFlowVersion(flowId, version));
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(undefined);
    }
  };

  if (versions.isPending) return <p className="muted panel-pad">Loading versions…</p>;
  if (versions.isError) return <ErrorPanel what="the versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  if (versions.data.length === 0) {
    return (
      <div className="panel-pad">
        <h2 className="inspector__title">Versions</h2>
        <p className="muted">Nothing published yet. Calls can only use a published version: publish when the flow has no problems.</p>
      </div>
    );
  }
  const live = versions.data[0]?.version;
  return (
    <div className="panel-pad">
      <h2 className="inspector__title">Versions</h2>
      <p className="muted">New calls use the newest version. Rolling back publishes an old version again as the newest.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ol className="versions" aria-label="Published versions">
        {versions.data.map((version) => (
          <li key={version.id} className="versions__item" data-version={version.version}>
            <div className="versions__head">
              <strong>Version {version.version}</strong>
              {version.version === live && <span className="pill pill--ok">Live</span>}
              <span className="muted" title={dateTime(version.publishedAt)}>
                {timeAgo(version.publishedAt)}
              </span>
            </div>
            {version.note && <p className="versions__note">{version.note}</p>}
            <div className="versions__actions">
              {busy === version.version && <Spinner label="Working" />}
              <button type="button" className="link-button" disabled={busy !== undefined} onClick={() => void run(version.version, onLoad)}>
                Load into draft
              </button>
              {version.version !== live && (
                <button
                  type="button"
                  className="link-button"
                  disabled={busy !== undefined}
                  onClick={() => {
                    if (window.confirm(`Publish version ${version.version} again as the newest version? New calls will use it at once.`)) {
                      void run(version.version, onRollBack);
                    }
                  }}
                >
                  Roll back to this
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
      <VersionCompare flowId={flowId} versions={versions.data} draft={draft} />
    </div>
  );
}
