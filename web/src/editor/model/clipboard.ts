/** Copy and paste of nodes: pure, so a paste can be tested and undone like any other edit. */
import type { FlowEdge } from '@switchboard/flow-model';
import type { DraftNode } from '../../api/types';
import { uniqueNodeId, type FlowDocument, type Position } from './flow-document';

/** What a copy holds: nodes, the edges between them, and where they were. */
export interface ClipboardContent {
  kind: 'switchboard/nodes';
  nodes: DraftNode[];
  edges: FlowEdge[];
  positions: Record<string, Position>;
}

/** Copies the given nodes and the edges that stay inside the selection. */
export function copyNodes(doc: FlowDocument, nodeIds: Iterable<string>): ClipboardContent | undefined {
  const ids = new Set(nodeIds);
  const nodes = doc.graph.nodes.filter((node) => ids.has(node.id));
  if (nodes.length === 0) return undefined;
  return {
    kind: 'switchboard/nodes',
    nodes: structuredClone(nodes),
    edges: doc.graph.edges.filter((edge) => ids.has(edge.from) && ids.has(edge.to)),
    positions: Object.fromEntries(nodes.map((node) => [node.id, doc.layout.nodes[node.id] ?? { x: 0, y: 0 }])),
  };
}

/**
 * Pastes a copy with fresh ids, its top-left node at `at` (or offset from the originals), and
 * returns the new ids so the editor can select them. Edges inside the copy come along.
 */
export function pasteNodes(doc: FlowDocument, content: ClipboardContent, at?: Position): { doc: FlowDocument; ids: string[] } {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const node of content.nodes) {
    const id = uniqueNodeId(doc, node.id, taken);
    taken.add(id);
    ids.set(node.id, id);
  }
  const origins = Object.values(content.positions);
  const minX = Math.min(...origins.map((p) => p.x));
  const minY = Math.min(...origins.map((p) => p.y));
  const shift = at ? { x: at.x - minX, y: at.y - minY } : { x: 40, y: 40 };
  const nodes = content.nodes.map((node) => ({ ...structuredClone(node), id: ids.get(node.id) as string }));
  const edges = content.edges.flatMap((edge) => {
    const from = ids.get(edge.from);
    const to = ids.get(edge.to);
    return from && to ? [{ from, exit: edge.exit, to }] : [];
  });
  const positions = Object.fromEntries(
    content.nodes.map((node) => {
      const p = content.positions[node.id] ?? { x: minX, y: minY };
      return [ids.get(node.id) as string, { x: Math.round(p.x + shift.x), y: Math.round(p.y + shift.y) }];
    }),
  );
  return {
    ids: [...ids.values()],
    doc: {
      ...doc,
      graph: {
        start: doc.graph.start || (nodes[0]?.id ?? ''),
        nodes: [...doc.graph.nodes, ...nodes],
        edges: [...doc.graph.edges, ...edges],
      },
      layout: { nodes: { ...doc.layout.nodes, ...positions } },
    },
  };
}

/** Reads clipboard content back from text (another tab's copy), or undefined when it is not ours. */
export function parseClipboard(text: string | null): ClipboardContent | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ClipboardContent>;
    if (value.kind !== 'switchboard/nodes' || !Array.isArray(value.nodes) || !Array.isArray(value.edges) || typeof value.positions !== 'object') {
      return undefined;
    }
    return value as ClipboardContent;
  } catch {
    return undefined;
  }
}
