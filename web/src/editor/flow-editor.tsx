import { ReactFlowProvider } from '@xyflow/react';
import type { Flow } from '../api/types';
import { FlowWorkspace } from './flow-workspace';

/** The flow editor for one flow; keyed by the flow's id by its page. */
export function FlowEditor({ flow }: { flow: Flow }) {
  return (
    <ReactFlowProvider>
      <FlowWorkspace flow={flow} />
    </ReactFlowProvider>
  );
}
