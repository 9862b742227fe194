import { useEffect, useState } from 'react';
import { nodeIdProblem, type FlowDocument } from '../model/flow-document';

/** Props of {@link NodeIdField}. */
export interface NodeIdFieldProps {
  doc: FlowDocument;
  nodeId: string;
  /** Called with a new id that is free and well-formed. */
  onRename(newId: string): void;
}

/**
 * The node's id: it names the node in call events and the Temporal UI, so it can be changed, but
 * only to a free, well-formed id, and only when you leave the field or press Enter.
 */
export function NodeIdField({ doc, nodeId, onRename }: NodeIdFieldProps) {
  const [text, setText] = useState(nodeId);
  useEffect(() => setText(nodeId), [nodeId]);
  const problem = text === nodeId ? undefined : nodeIdProblem(doc, text, nodeId);
  const apply = () => {
    if (text !== nodeId && !problem) onRename(text);
  };
  const id = `node-id-${nodeId}`;
  return (
    <div className={`field${problem ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        ID
      </label>
      <input
        id={id}
        className="input input--mono"
        value={text}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-help`}
        onChange={(event) => setText(event.target.value.trim())}
        onBlur={apply}
        onKeyDown={(event) => {
          if (event.key === 'Enter') apply();
          if (event.key === 'Escape') setText(nodeId);
        }}
      />
      {problem && <div className="field__error">{problem}</div>}
      <div id={`${id}-help`} className="field__help">
        Names this step in call events and the Temporal UI.
      </div>
    </div>
  );
}
