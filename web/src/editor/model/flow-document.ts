/**
 * The document the editor edits — a draft graph, its layout and the flow's name — and every change
 * to it as a pure function. The canvas, the inspector and the keyboard all go through these, so
 * undo, autosave and tests see one model.
 */
import { isNodeType, nodeIdSchema, nodeTypes, type FlowEdge, type FlowLayout } from '@switchboard/flow-model';
import type { DraftGraph, DraftNode } from '../../api/types';
import { exitsOf } from './exits';
import { initialConfig } from './initial-config';

/** A point on the canvas, in flow coordinates. */
export interface Position {
  x: number;
  y: number;
}

/** What the editor edits; autosaved as the flow's draft. */
export interface FlowDocument {
  name: string;
  graph: DraftGraph;
  layout: FlowLayout;
}

/** An empty flow: no nodes, no start. */
export function emptyDocument(name: string): FlowDocument {
  return { name, graph: { start: '', nodes: [], edges: [] }, layout: { nodes: {} } };
}

/** Reads a draft as the API returns it into a document, dropping what the editor cannot show. */
export function documentFromDraft(name: string, graph: Partial<DraftGraph> | undefined, layout: FlowLayout | undefined): FlowDocument {
  const nodes = Array.isArray(graph?.nodes) ? graph.nodes.filter((node) => typeof node?.id === 'string') : [];
  return {
    name,
    graph: {
      start: typeof graph?.start === 'string' ? graph.start : '',
      nodes: nodes.map((node) => ({ ...node, config: node.config && typeof node.config === 'object' ? node.config : {} })),
      edges: Array.isArray(graph?.edges) ? graph.edges : [],
    },
    layout: { nodes: { ...(layout?.nodes ?? {}) } },
  };
}

/** Identifies an edge by the exit it leaves from: one exit has at most one edge. */
export function edgeKey(edge: Pick<FlowEdge, 'from' | 'exit'>): string {
  return `${edge.from}\u2192${edge.exit}`;
}

/** Says why `id` cannot name a node in `doc` (other than `except`), or undefined when it can. */
export function nodeIdProblem(doc: FlowDocument, id: string, except?: string): string | undefined {
  const parsed = nodeIdSchema.safeParse(id);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'Not a valid id';
  if (id !== except && doc.graph.nodes.some((node) => node.id === id)) return `Another node already has the id '${id}'`;
  return undefined;
}

/** A node id not yet used in `doc`: `base`, then `base2`, `base3`… */
export function uniqueNodeId(doc: FlowDocument, base: string, taken: ReadonlySet<string> = new Set()): string {
  const clean = base.replace(/[^A-Za-z0-9_-]/g, '').replace(/^[^A-Za-z0-9]+/, '') || 'node';
  const used = new Set([...doc.graph.nodes.map((node) => node.id), ...taken]);
  if (!used.has(clean)) return clean;
  const stem = clean.replace(/\d+$/, '') || clean;
  for (let n = 2; ; n++) {
    const candidate = `${stem}${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** Adds a node of `type` at `position`; the first node of a flow becomes its start. */
export function addNode(doc: FlowDocument, type: string, position: Position): { doc: FlowDocument; id: string } {
  const id = uniqueNodeId(doc, type);
  const node: DraftNode = {
    id,
    type,
    ...(isNodeType(type) ? { typeVersion: nodeTypes[type].version } : {}),
    config: initialConfig(type),
  };
  return {
    id,
    doc: {
      ...doc,
      graph: { ...doc.graph, start: doc.graph.start || id, nodes: [...doc.graph.nodes, node] },
      layout: { nodes: { ...doc.layout.nodes, [id]: roundPosition(position) } },
    },
  };
}

/** Removes nodes (with every edge touching them) and edges given by {@link edgeKey}. */
export function removeElements(doc: FlowDocument, nodeIds: Iterable<string>, edgeKeys: Iterable<string> = []): FlowDocument {
  const goneNodes = new Set(nodeIds);
  const goneEdges = new Set(edgeKeys);
  if (goneNodes.size === 0 && goneEdges.size === 0) return doc;
  const nodes = doc.graph.nodes.filter((node) => !goneNodes.has(node.id));
  const layout = Object.fromEntries(Object.entries(doc.layout.nodes).filter(([id]) => !goneNodes.has(id)));
  return {
    ...doc,
    graph: {
      start: goneNodes.has(doc.graph.start) ? (nodes[0]?.id ?? '') : doc.graph.start,
      nodes,
      edges: doc.graph.edges.filter((edge) => !goneNodes.has(edge.from) && !goneNodes.has(edge.to) && !goneEdges.has(edgeKey(edge))),
    },
    layout: { nodes: layout },
  };
}

/** Connects exit `exit` of `from` to `to`, replacing what that exit was connected to. */
export function connect(doc: FlowDocument, from: string, exit: string, to: string): FlowDocument {
  const edges = doc.graph.edges.filter((edge) => !(edge.from === from && edge.exit === exit));
  const at = doc.graph.edges.findIndex((edge) => edge.from === from && edge.exit === exit);
  const edge = { from, exit, to };
  // Keep the edge where it was, so edge indexes in problems stay meaningful while editing.
  if (at === -1) edges.push(edge);
  else edges.splice(at, 0, edge);
  return { ...doc, graph: { ...doc.graph, edges } };
}

/** Leaves exit `exit` of `from` unconnected. */
export function disconnect(doc: FlowDocument, from: string, exit: string): FlowDocument {
  return removeElements(doc, [], [edgeKey({ from, exit })]);
}

/**
 * Changes a node's label or settings. Edges follow the node's exits: when an edit renames one
 * exit (a menu option's id), its edge moves with it; an exit that disappears loses its edge.
 */
export function updateNode(doc: FlowDocument, id: string, patch: { label?: string; config?: Record<string, unknown> }): FlowDocument {
  const before = doc.graph.nodes.find((node) => node.id === id);
  if (!before) return doc;
  const after: DraftNode = { ...before };
  if (patch.label !== undefined) {
    if (patch.label.trim()) after.label = patch.label;
    else delete after.label;
  }
  if (patch.config !== undefined) after.config = patch.config;
  const oldExits = exitsOf(before);
  const newExits = exitsOf(after);
  const gone = oldExits.filter((exit) => !newExits.includes(exit));
  const added = newExits.filter((exit) => !oldExits.includes(exit));
  const renamed = gone.length === 1 && added.length === 1 ? new Map([[gone[0] as string, added[0] as string]]) : new Map<string, string>();
  const edges = doc.graph.edges.flatMap((edge) => {
    if (edge.from !== id || !gone.includes(edge.exit)) return [edge];
    const exit = renamed.get(edge.exit);
    return exit ? [{ ...edge, exit }] : [];
  });
  return { ...doc, graph: { ...doc.graph, nodes: doc.graph.nodes.map((node) => (node.id === id ? after : node)), edges } };
}

/** Gives a node a new id, rewriting edges, the start and the layout. Check {@link nodeIdProblem} first. */
export function renameNode(doc: FlowDocument, oldId: string, newId: string): FlowDocument {
  if (oldId === newId || !doc.graph.nodes.some((node) => node.id === oldId)) return doc;
  const rename = (id: string) => (id === oldId ? newId : id);
  const { [oldId]: position, ...layout } = doc.layout.nodes;
  return {
    ...doc,
    graph: {
      start: rename(doc.graph.start),
      nodes: doc.graph.nodes.map((node) => (node.id === oldId ? { ...node, id: newId } : node)),
      edges: doc.graph.edges.map((edge) => ({ ...edge, from: rename(edge.from), to: rename(edge.to) })),
    },
    layout: { nodes: position ? { ...layout, [newId]: position } : layout },
  };
}

/** Makes `id` the node every call starts at. */
export function setStart(doc: FlowDocument, id: string): FlowDocument {
  return { ...doc, graph: { ...doc.graph, start: id } };
}

/** Moves nodes to new positions. */
export function moveNodes(doc: FlowDocument, positions: Readonly<Record<string, Position>>): FlowDocument {
  const nodes = { ...doc.layout.nodes };
  for (const [id, position] of Object.entries(positions)) nodes[id] = roundPosition(position);
  return { ...doc, layout: { nodes } };
}

/** Renames the flow. */
export function rename(doc: FlowDocument, name: string): FlowDocument {
  return { ...doc, name };
}

/** Node ids with no position yet (drafts made through the API without a layout). */
export function unplacedNodes(doc: FlowDocument): string[] {
  return doc.graph.nodes.filter((node) => !doc.layout.nodes[node.id]).map((node) => node.id);
}

function roundPosition(position: Position): Position {
  return { x: Math.round(position.x), y: Math.round(position.y) };
}
