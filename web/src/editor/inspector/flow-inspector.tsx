import type { FlowProblem } from '@switchboard/flow-model';
import { setStart, type FlowDocument } from '../model/flow-document';
import type { EditOptions } from '../use-flow-document';

/** Props of {@link FlowInspector}. */
export interface FlowInspectorProps {
  doc: FlowDocument;
  problems: readonly FlowProblem[];
  onEdit(change: (doc: FlowDocument) => FlowDocument, options?: EditOptions): void;
}

const shortcuts: [string, string][] = [
  ['Delete', 'Remove the selection'],
  ['Ctrl Z / Ctrl Y', 'Undo / redo'],
  ['Ctrl C / Ctrl V', 'Copy / paste steps'],
  ['Ctrl D', 'Duplicate the selection'],
  ['Ctrl A', 'Select every step'],
  ['Shift-click', 'Select several steps'],
  ['Arrow keys', 'Move the selected steps'],
];

/** With nothing selected: the flow's start, how to build, and the keyboard shortcuts. */
export function FlowInspector({ doc, problems, onEdit }: FlowInspectorProps) {
  const startProblems = problems.filter((problem) => problem.field === 'start' && problem.nodeId === undefined);
  return (
    <div className="inspector">
      <header className="inspector__header">
        <div>
          <h2 className="inspector__title">Flow</h2>
          <p className="inspector__help">Select a step to change it. Each exit of a step leads to the next one; drag from an exit’s dot onto a step.</p>
        </div>
      </header>
      <section className="inspector__section">
        <div className={`field${startProblems.length ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor="flow-start">
            Calls start at
          </label>
          <select id="flow-start" className="input" value={doc.graph.start} onChange={(event) => onEdit((d) => setStart(d, event.target.value))}>
            {!doc.graph.nodes.some((node) => node.id === doc.graph.start) && <option value={doc.graph.start}>— Choose a step —</option>}
            {doc.graph.nodes.map((node) => (
              <option key={node.id} value={node.id}>
                {node.label?.trim() || node.id}
              </option>
            ))}
          </select>
          {startProblems.length > 0 && <div className="field__error">{startProblems.map((problem) => problem.message).join(' · ')}</div>}
        </div>
        <p className="muted">
          {doc.graph.nodes.length} steps · {doc.graph.edges.length} connections
        </p>
      </section>
      <section className="inspector__section" aria-labelledby="shortcuts-title">
        <h3 id="shortcuts-title" className="inspector__heading">
          Keyboard
        </h3>
        <dl className="shortcuts">
          {shortcuts.map(([keys, what]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      </section>
    </div>
  );
}
