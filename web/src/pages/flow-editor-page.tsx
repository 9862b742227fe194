import { useParams } from 'react-router';
import { useFlow } from '../api/flows';
import { ErrorPanel } from '../components/error-panel';
import { LoadingPanel } from '../components/loading-panel';
import { FlowEditor } from '../editor/flow-editor';

/** `/flows/:flowId`: loads the flow's draft, then hands it to the editor. */
export function FlowEditorPage() {
  const { flowId = '' } = useParams();
  const flow = useFlow(flowId);
  if (flow.isPending) return <LoadingPanel what="the flow" />;
  if (flow.isError) {
    return (
      <div className="page">
        <ErrorPanel what="this flow" error={flow.error} onRetry={() => void flow.refetch()} />
      </div>
    );
  }
  // Keyed by id: another flow gets a fresh editor with its own undo history.
  return <FlowEditor key={flow.data.id} flow={flow.data} />;
}
