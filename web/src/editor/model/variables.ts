/**
 * The variables a step can use: the call's own (caller number, …) and what the steps before it
 * set (flow.<name>) or output (<step id>.<output>), as the node declarations describe them.
 */
import { CALL_VARIABLES, isNodeType, nodeTypes, type NodeTypeDefinition } from '@switchboard/flow-model';
import type { DraftGraph } from '../../api/types';

export interface VariableHint {
  /** What goes between {{ and }}. */
  name: string;
  /** Where it comes from, in words. */
  source: string;
}

const CALL_VARIABLE_TEXT: Record<string, string> = {
  'call.id': 'the call’s id',
  'call.caller': 'the caller’s number',
  'call.called': 'the number they called',
  'call.startedAt': 'when the call started',
  'call.trigger': 'the phone number’s id',
};

/** Steps from which `nodeId` can be reached (not itself, unless it is in a loop), nearest first. */
function stepsBefore(graph: DraftGraph, nodeId: string): string[] {
  const incoming = new Map<string, string[]>();
  for (const edge of graph.edges) incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge.from]);
  const seen = new Set<string>();
  const order: string[] = [];
  const queue = [...(incoming.get(nodeId) ?? [])];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    queue.push(...(incoming.get(id) ?? []));
  }
  return order;
}

/** Variables a template in step `nodeId` can use. */
export function variablesAt(graph: DraftGraph, nodeId: string): VariableHint[] {
  const hints: VariableHint[] = CALL_VARIABLES.map((name) => ({ name, source: CALL_VARIABLE_TEXT[name] ?? 'the call' }));
  const known = new Set(hints.map((hint) => hint.name));
  for (const id of stepsBefore(graph, nodeId)) {
    const node = graph.nodes.find((n) => n.id === id);
    if (!node || !isNodeType(node.type)) continue;
    const definition = nodeTypes[node.type] as NodeTypeDefinition;
    const title = node.label?.trim() || node.id;
    let sets: string[] = [];
    try {
      sets = definition.sets?.(node.config as never) ?? [];
    } catch {
      // Settings still being written: nothing to offer yet.
    }
    for (const name of sets) if (name && !known.has(`flow.${name}`)) hints.push({ name: `flow.${name}`, source: `set by ${title}` });
    for (const output of definition.outputs ?? []) hints.push({ name: `${node.id}.${output}`, source: `${output} of ${title}` });
    for (const hint of hints) known.add(hint.name);
  }
  return hints;
}

/** Dotted paths of the settings of a step that are templates (may hold {{variables}}). */
export function templatedFields(type: string, config: unknown): Set<string> {
  if (!isNodeType(type)) return new Set();
  const definition = nodeTypes[type] as NodeTypeDefinition;
  try {
    return new Set((definition.templates?.(config as never) ?? []).map((entry) => entry.field));
  } catch {
    return new Set();
  }
}
