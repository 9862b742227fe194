import type { z } from 'zod';
import { flowGraphSchema, type FlowEdge, type RunnableFlow, type RunnableNode } from './graph';
import { isNodeType, nodeTypes } from './node-types/index';
import type { NodeTypeDefinition } from './define';
import { CALL_VARIABLES, parseTemplate } from './template';
import { savedVersion, upgradeSettings } from './upgrade';

/** One thing wrong with a flow, said so a builder can find and fix it. */
export interface FlowProblem {
  code:
    | 'invalidShape'
    | 'duplicateNodeId'
    | 'unknownStart'
    | 'unknownNodeType'
    | 'unsupportedTypeVersion'
    | 'invalidConfig'
    | 'unknownEdgeSource'
    | 'unknownEdgeTarget'
    | 'unknownExit'
    | 'duplicateExitEdge'
    | 'unconnectedExit'
    | 'unreachableNode'
    | 'loopWithoutInput'
    | 'invalidTemplate'
    | 'undefinedVariable';
  message: string;
  /** The node the problem is on, when there is one. */
  nodeId?: string;
  /** Dotted path of the setting, e.g. `options.1.digit`. */
  field?: string;
  /** Index into `edges`, for edge problems. */
  edgeIndex?: number;
  /** The exit a problem is about (unknown, doubled or unconnected exits). */
  exit?: string;
}

export type ValidationResult = { ok: true; flow: RunnableFlow } | { ok: false; problems: FlowProblem[] };

function dotted(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join('.');
}

function fromZod(error: z.ZodError, base: Partial<FlowProblem>, code: FlowProblem['code']): FlowProblem[] {
  return error.issues.map((issue) => ({
    ...base,
    code,
    field: dotted(issue.path) || undefined,
    message: issue.message,
  }));
}

/**
 * Checks a flow graph and returns it with every node's settings parsed (defaults applied), or the
 * list of problems, each naming the node and setting it is about. Never throws on bad input.
 */
export function validateFlow(input: unknown): ValidationResult {
  const shape = flowGraphSchema.safeParse(input);
  if (!shape.success) {
    return {
      ok: false,
      problems: shape.error.issues.map((issue) => {
        const [kind, index, ...rest] = issue.path;
        const nodeId =
          kind === 'nodes' && typeof index === 'number' && input && typeof input === 'object'
            ? ((input as { nodes?: Array<{ id?: unknown }> }).nodes?.[index]?.id as string | undefined)
            : undefined;
        return {
          code: 'invalidShape' as const,
          message: issue.message,
          field: dotted(issue.path) || undefined,
          ...(typeof nodeId === 'string' ? { nodeId, field: dotted(rest) || undefined } : {}),
          ...(kind === 'edges' && typeof index === 'number' ? { edgeIndex: index } : {}),
        };
      }),
    };
  }
  const graph = shape.data;
  const problems: FlowProblem[] = [];
  const nodes = new Map<string, RunnableNode>();
  const seenIds = new Set<string>();

  for (const node of graph.nodes) {
    if (seenIds.has(node.id)) {
      problems.push({ code: 'duplicateNodeId', nodeId: node.id, message: `Two nodes share the id '${node.id}'` });
      continue;
    }
    seenIds.add(node.id);
    if (!isNodeType(node.type)) {
      problems.push({ code: 'unknownNodeType', nodeId: node.id, field: 'type', message: `Unknown node type '${node.type}'` });
      continue;
    }
    const definition = nodeTypes[node.type] as NodeTypeDefinition;
    const typeVersion = savedVersion(node);
    if (typeVersion > definition.version) {
      problems.push({
        code: 'unsupportedTypeVersion',
        nodeId: node.id,
        field: 'typeVersion',
        message: `${definition.label} version ${typeVersion} is newer than this server knows (${definition.version})`,
      });
      continue;
    }
    // Settings saved by an older version are checked as the current version's, once upgraded.
    const upgraded = upgradeSettings(definition, typeVersion, node.config);
    if (!upgraded.ok) {
      problems.push({ code: 'unsupportedTypeVersion', nodeId: node.id, field: 'typeVersion', message: upgraded.message });
      continue;
    }
    const config = (definition.config as z.ZodType).safeParse(upgraded.settings);
    if (!config.success) {
      problems.push(...fromZod(config.error, { nodeId: node.id }, 'invalidConfig'));
      continue;
    }
    nodes.set(node.id, {
      id: node.id,
      type: node.type,
      typeVersion: definition.version,
      ...(node.label ? { label: node.label } : {}),
      config: config.data,
    } as RunnableNode);
  }

  if (!seenIds.has(graph.start)) {
    problems.push({ code: 'unknownStart', field: 'start', message: `The start node '${graph.start}' does not exist` });
  }

  /** How builders know a node: its label, or its id. */
  const nameOf = (id: string): string => {
    const node = nodes.get(id);
    const label = node?.label ?? graph.nodes.find((candidate) => candidate.id === id)?.label;
    return label ? `'${label}'` : `'${id}'`;
  };
  const exitsOf = (node: RunnableNode): string[] =>
    (nodeTypes[node.type].exits as (config: unknown) => string[])(node.config);
  const edges: FlowEdge[] = [];
  const taken = new Map<string, number>();
  graph.edges.forEach((edge, edgeIndex) => {
    if (!seenIds.has(edge.from)) {
      problems.push({ code: 'unknownEdgeSource', edgeIndex, message: `A connection starts at '${edge.from}', which does not exist` });
      return;
    }
    if (!seenIds.has(edge.to)) {
      problems.push({
        code: 'unknownEdgeTarget',
        edgeIndex,
        nodeId: edge.from,
        message: `Exit '${edge.exit}' leads to '${edge.to}', which does not exist`,
      });
      return;
    }
    const from = nodes.get(edge.from);
    if (!from) return; // the node itself is invalid and already reported
    if (!exitsOf(from).includes(edge.exit)) {
      problems.push({
        code: 'unknownExit',
        edgeIndex,
        nodeId: edge.from,
        exit: edge.exit,
        message: `${nodeTypes[from.type].label} ${nameOf(edge.from)} has no exit '${edge.exit}'`,
      });
      return;
    }
    const key = `${edge.from}\u0000${edge.exit}`;
    if (taken.has(key)) {
      problems.push({
        code: 'duplicateExitEdge',
        edgeIndex,
        nodeId: edge.from,
        exit: edge.exit,
        message: `Exit '${edge.exit}' of ${nameOf(edge.from)} is connected twice`,
      });
      return;
    }
    taken.set(key, edgeIndex);
    edges.push(edge);
  });

  for (const node of nodes.values()) {
    for (const exit of exitsOf(node)) {
      if (!taken.has(`${node.id}\u0000${exit}`)) {
        problems.push({
          code: 'unconnectedExit',
          nodeId: node.id,
          exit,
          message: `Exit '${exit}' of ${nodeTypes[node.type].label} ${nameOf(node.id)} is not connected`,
        });
      }
    }
  }

  // Reachability and loops are judged only on a structurally sound graph.
  if (problems.length > 0) return { ok: false, problems };

  const successors = new Map<string, string[]>();
  for (const edge of edges) successors.set(edge.from, [...(successors.get(edge.from) ?? []), edge.to]);

  const reached = new Set<string>([graph.start]);
  const queue = [graph.start];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const next of successors.get(id) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  for (const node of graph.nodes) {
    if (!reached.has(node.id)) {
      problems.push({ code: 'unreachableNode', nodeId: node.id, message: `No path from the start reaches ${nameOf(node.id)}` });
    }
  }

  for (const cycle of stronglyConnected([...nodes.keys()], successors)) {
    const selfLoop = cycle.length === 1 && (successors.get(cycle[0] as string) ?? []).includes(cycle[0] as string);
    if (cycle.length < 2 && !selfLoop) continue;
    if (!cycle.some((id) => nodeTypes[(nodes.get(id) as RunnableNode).type].waitsForCaller)) {
      problems.push({
        code: 'loopWithoutInput',
        nodeId: cycle[0],
        message: `Steps ${cycle.map((id) => nameOf(id)).join(', ')} loop without ever waiting for the caller`,
      });
    }
  }

  problems.push(...checkVariables([...nodes.values()]));

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    flow: { start: graph.start, nodes: graph.nodes.map((node) => nodes.get(node.id) as RunnableNode), edges },
  };
}

/** Tarjan's strongly connected components, iterative so large graphs cannot overflow the stack. */
function stronglyConnected(ids: string[], successors: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: string; next: number };
      const out = successors.get(frame.id) ?? [];
      if (frame.next < out.length) {
        const to = out[frame.next++] as string;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component.reverse());
      }
    }
  }
  return components;
}

/** The variables a flow can read: call facts, flow variables some node sets, and node outputs. */
export function definedVariables(nodes: RunnableNode[]): Set<string> {
  const defined = new Set<string>(CALL_VARIABLES);
  for (const node of nodes) {
    const definition = nodeTypes[node.type] as NodeTypeDefinition;
    for (const name of definition.sets?.(node.config) ?? []) defined.add(`flow.${name}`);
    for (const output of definition.outputs ?? []) defined.add(`${node.id}.${output}`);
  }
  return defined;
}

/** Template syntax and variables that nothing in the flow defines. */
function checkVariables(nodes: RunnableNode[]): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const defined = definedVariables(nodes);
  const undefinedVariable = (nodeId: string, field: string, path: string): FlowProblem => ({
    code: 'undefinedVariable',
    nodeId,
    field,
    message: `{{${path}}} is not set anywhere in this flow`,
  });
  for (const node of nodes) {
    const definition = nodeTypes[node.type] as NodeTypeDefinition;
    for (const { field, template } of definition.templates?.(node.config) ?? []) {
      const parsed = parseTemplate(template);
      for (const error of parsed.errors) problems.push({ code: 'invalidTemplate', nodeId: node.id, field, message: error.message });
      for (const reference of parsed.references) {
        if (!defined.has(reference.path)) problems.push(undefinedVariable(node.id, field, reference.path));
      }
    }
    if (node.type === 'branch') {
      node.config.conditions.forEach((condition, index) => {
        if (!defined.has(condition.variable)) problems.push(undefinedVariable(node.id, `conditions.${index}.variable`, condition.variable));
      });
    }
  }
  return problems;
}
