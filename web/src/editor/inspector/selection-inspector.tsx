import { Icon, icons } from '../../components/icon';
import { plural } from '../../lib/text';

/** Props of {@link SelectionInspector}. */
export interface SelectionInspectorProps {
  nodeCount: number;
  edgeCount: number;
  onCopy(): void;
  onDuplicate(): void;
  onDelete(): void;
}

/** With several things selected: what is selected and what can be done with it. */
export function SelectionInspector({ nodeCount, edgeCount, onCopy, onDuplicate, onDelete }: SelectionInspectorProps) {
  const parts = [nodeCount ? plural(nodeCount, 'step') : '', edgeCount ? plural(edgeCount, 'connection') : ''].filter(Boolean);
  return (
    <div className="inspector">
      <header className="inspector__header">
        <h2 className="inspector__title">{parts.join(' and ')} selected</h2>
      </header>
      <div className="inspector__actions">
        {nodeCount > 0 && (
          <>
            <button type="button" className="button button--small" onClick={onCopy}>
              <Icon path={icons.copy} /> Copy
            </button>
            <button type="button" className="button button--small" onClick={onDuplicate}>
              Duplicate
            </button>
          </>
        )}
        <button type="button" className="button button--small button--danger" onClick={onDelete}>
          <Icon path={icons.trash} /> Delete
        </button>
      </div>
    </div>
  );
}
