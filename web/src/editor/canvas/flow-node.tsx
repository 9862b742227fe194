import { memo, useEffect, type CSSProperties } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { Icon, icons } from '../../components/icon';
import { plural } from '../../lib/text';
import { TARGET_HANDLE, type CanvasNode } from './to-canvas';

/**
 * One node on the canvas: its type, name and what it does, a red mark and count when the
 * validator found problems, and a handle under each exit (amber while it leads nowhere).
 */
function FlowNodeView({ id, data, selected }: NodeProps<CanvasNode>) {
  const updateNodeInternals = useUpdateNodeInternals();
  const exitKey = data.exits.map((exit) => exit.name).join('\u0000');
  // Handles come and go with the node's settings (menu options); React Flow must re-read them.
  useEffect(() => updateNodeInternals(id), [id, exitKey, updateNodeInternals]);
  const problemText = data.problems.map((problem) => problem.message).join('\n');

  return (
    <div
      className={`flow-node${selected ? ' is-selected' : ''}${data.problems.length ? ' has-problems' : ''}${data.trace ? ` is-${data.trace}` : ''}`}
      style={{ '--accent': data.accent } as CSSProperties}
      data-node-id={id}
      data-trace={data.trace}
    >
      {data.trace === 'current' && (
        <div className="flow-node__here" aria-label="The test call is here">
          <span className="live-dot" aria-hidden="true" /> Call is here
        </div>
      )}
      {data.isStart && (
        <div className="flow-node__start" title="Calls start here">
          <Icon path={icons.start} size={10} /> Start
        </div>
      )}
      <Handle type="target" position={Position.Top} id={TARGET_HANDLE} className="flow-node__in" />
      <div className="flow-node__header">
        <span className="flow-node__icon" aria-hidden="true">
          {data.icon ? <Icon path={data.icon} size={14} /> : '?'}
        </span>
        <span className="flow-node__type">{data.typeLabel}</span>
        {data.problems.length > 0 && (
          <span className="flow-node__problems" title={problemText} role="img" aria-label={plural(data.problems.length, 'problem')}>
            <Icon path={icons.warning} size={12} />
            {data.problems.length}
          </span>
        )}
      </div>
      <div className="flow-node__body">
        <div className="flow-node__title">{data.title}</div>
        <div className="flow-node__summary">{data.summary}</div>
        {data.problems[0] && <div className="flow-node__problem">{data.problems[0].message}{data.problems.length > 1 ? ` (+${data.problems.length - 1} more)` : ''}</div>}
      </div>
      {data.exits.length > 0 ? (
        <div className="flow-node__exits">
          {data.exits.map((exit) => (
            <div
              key={exit.name}
              className={`flow-node__exit${exit.connected ? '' : ' is-open'}`}
              title={exit.connected ? `Exit ${exit.name}` : `Exit ${exit.name} is not connected: drag from the dot to a node`}
            >
              <span className="flow-node__exit-label">{exit.label}</span>
              <Handle type="source" position={Position.Bottom} id={exit.name} className="flow-node__out" />
            </div>
          ))}
        </div>
      ) : (
        <div className="flow-node__end">{data.terminal ? 'Call ends here' : 'No exits'}</div>
      )}
    </div>
  );
}

/** The node component React Flow draws for every node type. */
export const FlowNode = memo(FlowNodeView);
