import { connect, disconnect, type FlowDocument } from '../model/flow-document';
import type { DraftNode } from '../../api/types';
import { exitsOf } from '../model/exits';
import { exitLabel } from '../node-types';

/** Props of {@link ExitTargets}. */
export interface ExitTargetsProps {
  doc: FlowDocument;
  node: DraftNode;
  onEdit(change: (doc: FlowDocument) => FlowDocument): void;
}

/** Where each exit of the node leads, chosen from a list: connecting without dragging. */
export function ExitTargets({ doc, node, onEdit }: ExitTargetsProps) {
  const exits = exitsOf(node);
  if (exits.length === 0) return null;
  return (
    <section className="inspector__section" aria-labelledby={`exits-${node.id}`}>
      <h3 id={`exits-${node.id}`} className="inspector__heading">
        Then go to
      </h3>
      <div className="exit-targets">
        {exits.map((exit) => {
          const target = doc.graph.edges.find((edge) => edge.from === node.id && edge.exit === exit)?.to ?? '';
          const id = `exit-${node.id}-${exit}`;
          return (
            <div key={exit} className={`exit-targets__row${target ? '' : ' is-open'}`}>
              <label htmlFor={id} className="exit-targets__label">
                {exitLabel(node.type, exit, node.config)}
              </label>
              <select
                id={id}
                className="input"
                value={target}
                onChange={(event) => {
                  const to = event.target.value;
                  onEdit((d) => (to ? connect(d, node.id, exit, to) : disconnect(d, node.id, exit)));
                }}
              >
                <option value="">— Not connected —</option>
                {doc.graph.nodes.map((other) => (
                  <option key={other.id} value={other.id}>
                    {(other.label?.trim() || other.id) + (other.id === node.id ? ' (this step)' : '')}
                  </option>
                ))}
              </select>
            </div>
          );
        })}
      </div>
    </section>
  );
}
