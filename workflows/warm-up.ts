/**
 * flowWorkerWarmUp: a flow worker runs this once as it starts, on itself (workers/warm-up.ts starts
 * it eagerly), so that no call's workflow task finds it cold. A worker's first workflow task costs
 * far more than later ones (its workflow thread's JIT, the SDK's per-promise stack traces and their
 * source map, the activation codecs), and after a flow worker dies the worker that replays its calls
 * is often a freshly started one: the chaos benchmark measured 0.55–0.9 s for a fresh worker's
 * first takeover against 0.1–0.4 s for a worker that had run calls, once over the 1 s workflow
 * task timeout. This runs the machinery a call's replay runs (scopes, conditions, timers, a query
 * handler, the flow model on a graph) and nothing else: no activities, no search attributes, so it
 * leaves nothing in calls, statistics or the dashboard. Deterministic.
 */
import { CancellationScope, condition, defineQuery, setHandler, sleep } from '@temporalio/workflow';
import { currentNode, findNode, nextNodeId, renderTemplate, salesSupportSample, type RunnableFlow } from '@switchboard/flow-model';

export const warmUpStateQuery = defineQuery<{ nodes: number }>('warmUpState');

export interface WarmUpResult {
  /** Nodes visited walking the sample flow (twice: once at once, once in a scope after a condition). */
  nodes: number;
}

/** Walks a flow as the interpreter would, leaving each node by its first connected exit. */
function walk(flow: RunnableFlow): number {
  let visited = 0;
  const seen = new Set<string>();
  for (let nodeId: string | undefined = flow.start; nodeId !== undefined && !seen.has(nodeId); ) {
    seen.add(nodeId);
    const found = findNode(flow, nodeId);
    if (!found) break;
    const node = currentNode(found);
    visited++;
    renderTemplate(node.label ?? node.id, { 'call.from': 'warm-up' });
    const exit = flow.edges.find((edge) => edge.from === node.id)?.exit;
    nodeId = exit === undefined ? undefined : nextNodeId(flow, node.id, exit);
  }
  return visited;
}

export async function flowWorkerWarmUp(): Promise<WarmUpResult> {
  let nodes = 0;
  setHandler(warmUpStateQuery, () => ({ nodes }));
  // A published graph as a call reads it (zod's lazy schemas cannot run in the frozen workflow context).
  const flow = { edges: [], ...salesSupportSample.graph } as unknown as RunnableFlow;
  // A call runs its steps in scopes, racing conditions against timers.
  const inScope = new CancellationScope().run(async () => {
    await condition(() => nodes > 0, 1);
    return walk(flow);
  });
  nodes = walk(flow);
  // A timer: the second workflow task comes from this worker's sticky queue.
  const [again] = await Promise.all([inScope, CancellationScope.nonCancellable(() => sleep(1))]);
  return { nodes: nodes + again };
}
