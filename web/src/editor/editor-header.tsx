import { Link } from 'react-router';
import { Icon, icons } from '../components/icon';
import { plural } from '../lib/text';
import { SaveIndicator } from './save-indicator';
import type { SaveState } from './use-autosave';
import { useRole } from '../api/auth';

/** Where the draft stands against what calls run. */
export type PublishState =
  | { kind: 'loading' }
  | { kind: 'never' }
  | { kind: 'live'; version: number; changed: boolean };

/** Props of {@link EditorHeader}. */
export interface EditorHeaderProps {
  name: string;
  onRename(name: string): void;
  save: SaveState;
  onSaveNow(): void;
  canUndo: boolean;
  canRedo: boolean;
  onUndo(): void;
  onRedo(): void;
  onAutoLayout(): void;
  onFitView(): void;
  publish: PublishState;
  problemCount: number;
  onPublish(): void;
  versionsOpen: boolean;
  onToggleVersions(): void;
  testOpen: boolean;
  onToggleTest(): void;
}

/** The editor's bar: back to the flows, the flow's name, save state, history, tidy-up, versions and Publish. */
export function EditorHeader(props: EditorHeaderProps) {
  const viewer = useRole() === 'viewer';
  const { publish, problemCount } = props;
  return (
    <div className="editor-header">
      <Link to="/flows" className="icon-button" aria-label="Back to all flows" title="All flows">
        <Icon path={icons.back} size={18} />
      </Link>
      <input
        className="editor-header__name"
        aria-label="Flow name"
        value={props.name}
        maxLength={120}
        placeholder="Untitled flow"
        onChange={(event) => props.onRename(event.target.value)}
      />
      <SaveIndicator state={props.save} onRetry={props.onSaveNow} />
      <div className="editor-header__spacer" />
      <div className="toolbar" role="toolbar" aria-label="Canvas">
        <button type="button" className="icon-button" onClick={props.onUndo} disabled={!props.canUndo} aria-label="Undo" title="Undo (Ctrl Z)">
          <Icon path={icons.undo} />
        </button>
        <button type="button" className="icon-button" onClick={props.onRedo} disabled={!props.canRedo} aria-label="Redo" title="Redo (Ctrl Y)">
          <Icon path={icons.redo} />
        </button>
        <button type="button" className="button button--small" onClick={props.onAutoLayout} title="Arrange the steps top to bottom">
          <Icon path={icons.layout} /> Tidy up
        </button>
        <button type="button" className="icon-button" onClick={props.onFitView} aria-label="Fit the flow in view" title="Fit in view">
          <Icon path={icons.fit} />
        </button>
        <button
          type="button"
          className={`button button--small${props.versionsOpen ? ' is-active' : ''}`}
          onClick={props.onToggleVersions}
          aria-pressed={props.versionsOpen}
        >
          <Icon path={icons.history} /> Versions
        </button>
        <button
          type="button"
          className={`button button--small${props.testOpen ? ' is-active' : ''}`}
          onClick={props.onToggleTest}
          aria-pressed={props.testOpen}
          title="Call the flow from the browser, or run it with scripted answers"
        >
          <Icon path={icons.phone} /> Test
        </button>
      </div>
      <span className="editor-header__live" data-testid="publish-state">
        {publish.kind === 'never' && <span className="pill">Not published</span>}
        {publish.kind === 'live' && (
          <>
            <span className="pill pill--ok">v{publish.version} live</span>
            {publish.changed && <span className="muted"> · draft has changes</span>}
          </>
        )}
      </span>
      {viewer ? (
        <span className="pill" title="Viewers cannot save or publish; ask an owner for the builder role">View only</span>
      ) : (
        <button
          type="button"
          className="button button--primary"
          onClick={props.onPublish}
          title={problemCount ? `Fix ${plural(problemCount, 'problem')} first` : 'Publish the draft as a new version'}
        >
          Publish{problemCount > 0 && <span className="count count--bad">{problemCount}</span>}
        </button>
      )}
    </div>
  );
}
