/** The shared validator's verdict on a draft, arranged for the canvas, the inspector and the problems list. */
import { validateFlow, type FlowProblem, type RunnableFlow } from '@switchboard/flow-model';
import type { DraftGraph } from '../../api/types';
import { edgeKey } from './flow-document';

/** Problems of a draft, by where they are shown. */
export interface DraftProblems {
  /** Every problem, those on nodes in the nodes' order first. */
  all: FlowProblem[];
  byNode: ReadonlyMap<string, FlowProblem[]>;
  /** Problems on an edge, by {@link edgeKey}. */
  byEdge: ReadonlyMap<string, FlowProblem[]>;
  /** The flow as a call would run it, when there are no problems. */
  flow?: RunnableFlow;
}

/** Validates a draft with the same `validateFlow()` the API publishes with. */
export function checkDraft(graph: DraftGraph): DraftProblems {
  const result = validateFlow(graph);
  if (result.ok) return { all: [], byNode: new Map(), byEdge: new Map(), flow: result.flow };
  const byNode = new Map<string, FlowProblem[]>();
  const byEdge = new Map<string, FlowProblem[]>();
  for (const problem of result.problems) {
    if (problem.nodeId !== undefined) byNode.set(problem.nodeId, [...(byNode.get(problem.nodeId) ?? []), problem]);
    const edge = problem.edgeIndex === undefined ? undefined : graph.edges[problem.edgeIndex];
    if (edge) byEdge.set(edgeKey(edge), [...(byEdge.get(edgeKey(edge)) ?? []), problem]);
  }
  const order = new Map(graph.nodes.map((node, index) => [node.id, index]));
  const rank = (problem: FlowProblem) => (problem.nodeId === undefined ? -1 : (order.get(problem.nodeId) ?? graph.nodes.length));
  const all = [...result.problems].sort((a, b) => rank(a) - rank(b));
  return { all, byNode, byEdge };
}

/** Problems about one setting (or anything inside it, like `options.1.digit` for `options`). */
export function problemsAt(problems: readonly FlowProblem[], field: string): FlowProblem[] {
  return problems.filter((problem) => problem.field === field || problem.field?.startsWith(`${field}.`));
}

/** Exits of a node that lead nowhere yet. */
export function unconnectedExits(graph: DraftGraph, nodeId: string, exits: readonly string[]): string[] {
  const connected = new Set(graph.edges.filter((edge) => edge.from === nodeId).map((edge) => edge.exit));
  return exits.filter((exit) => !connected.has(exit));
}

/** A stable JSON form (sorted keys), to tell whether a draft differs from a published version. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}
