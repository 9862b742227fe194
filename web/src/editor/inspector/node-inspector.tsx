import { useMemo, type CSSProperties } from 'react';
import { isNodeType, nodeTypes, type FlowProblem } from '@switchboard/flow-model';
import type { DraftNode } from '../../api/types';
import { Icon, icons } from '../../components/icon';
import { fieldId, setIn, type FieldPath } from '../form/field-path';
import { configSchemaOf } from '../form/json-schema';
import { SettingsForm } from '../form/settings-form';
import { renameNode, setStart, updateNode, type FlowDocument } from '../model/flow-document';
import { nodeTypeUi } from '../node-types';
import { VariableHintsContext } from '../form/variable-hints';
import { templatedFields, variablesAt } from '../model/variables';
import type { EditOptions } from '../use-flow-document';
import { ExitTargets } from './exit-targets';
import { NodeIdField } from './node-id-field';

/** Props of {@link NodeInspector}. */
export interface NodeInspectorProps {
  doc: FlowDocument;
  node: DraftNode;
  problems: readonly FlowProblem[];
  onEdit(change: (doc: FlowDocument) => FlowDocument, options?: EditOptions): void;
  /** The node got a new id; the selection follows it. */
  onRenamed(newId: string): void;
  onDuplicate(): void;
  onDelete(): void;
}

/** Everything about one step: its name and id, its settings with help and problems, and where its exits go. */
export function NodeInspector({ doc, node, problems, onEdit, onRenamed, onDuplicate, onDelete }: NodeInspectorProps) {
  const type = node.type;
  const known = isNodeType(type) ? type : undefined;
  const definition = known ? nodeTypes[known] : undefined;
  const ui = known ? nodeTypeUi[known] : undefined;
  const isStart = doc.graph.start === node.id;
  const variables = useMemo(() => variablesAt(doc.graph, node.id), [doc.graph, node.id]);
  const templated = useMemo(() => templatedFields(node.type, node.config), [node.type, node.config]);
  const hints = useMemo(
    () => ({
      variables,
      // Spoken text always takes variables, even while empty (the declaration lists only set templates).
      accepts: (path: string) => templated.has(path) || Boolean(ui?.fields?.[path]?.spoken),
    }),
    [templated, ui, variables],
  );
  const general = problems.filter((problem) => !problem.field || problem.field === 'type' || problem.field === 'typeVersion' || problem.field === 'id');
  const labelId = fieldId(node.id, 'label');

  const changeSetting = (path: FieldPath, value: unknown) => {
    const config = setIn(node.config, path, value) as Record<string, unknown>;
    onEdit((d) => updateNode(d, node.id, { config }), { coalesceKey: `setting:${node.id}:${path.join('.')}` });
  };

  return (
    <div className="inspector" style={{ '--accent': ui?.accent ?? '#64748b' } as CSSProperties}>
      <header className="inspector__header">
        <span className="inspector__icon" aria-hidden="true">
          {ui ? <Icon path={ui.icon} size={18} /> : '?'}
        </span>
        <div>
          <h2 className="inspector__title">{definition?.label ?? `Unknown type “${node.type}”`}</h2>
          {isStart && <span className="pill pill--start">Calls start here</span>}
        </div>
      </header>
      {definition && <p className="inspector__help">{definition.help}</p>}
      {general.length > 0 && (
        <ul className="inspector__problems" aria-label="Problems with this step">
          {general.map((problem, index) => (
            <li key={index}>
              <Icon path={icons.warning} size={14} /> {problem.message}
            </li>
          ))}
        </ul>
      )}

      <section className="inspector__section">
        <div className="field">
          <label className="field__label" htmlFor={labelId}>
            Name
          </label>
          <input
            id={labelId}
            className="input"
            value={node.label ?? ''}
            maxLength={120}
            placeholder={node.id}
            aria-describedby={`${labelId}-help`}
            onChange={(event) => onEdit((d) => updateNode(d, node.id, { label: event.target.value }), { coalesceKey: `label:${node.id}` })}
          />
          <div id={`${labelId}-help`} className="field__help">
            Shown on the canvas, in call events and in the Temporal UI.
          </div>
        </div>
        <NodeIdField
          doc={doc}
          nodeId={node.id}
          onRename={(newId) => {
            onEdit((d) => renameNode(d, node.id, newId));
            onRenamed(newId);
          }}
        />
      </section>

      {known && (
        <section className="inspector__section" aria-labelledby={`settings-${node.id}`}>
          <h3 id={`settings-${node.id}`} className="inspector__heading">
            Settings
          </h3>
          <VariableHintsContext.Provider value={hints}>
            <SettingsForm
              nodeId={node.id}
              basePath={[]}
              schema={configSchemaOf(node.type)}
              value={node.config}
              fields={ui?.fields}
              problems={problems}
              onChange={changeSetting}
              collapseOptional
            />
          </VariableHintsContext.Provider>
        </section>
      )}

      <ExitTargets doc={doc} node={node} onEdit={onEdit} />

      <div className="inspector__actions">
        {!isStart && (
          <button type="button" className="button button--small" onClick={() => onEdit((d) => setStart(d, node.id))}>
            <Icon path={icons.start} /> Start calls here
          </button>
        )}
        <button type="button" className="button button--small" onClick={onDuplicate}>
          <Icon path={icons.copy} /> Duplicate
        </button>
        <button type="button" className="button button--small button--danger" onClick={onDelete}>
          <Icon path={icons.trash} /> Delete
        </button>
      </div>
    </div>
  );
}
