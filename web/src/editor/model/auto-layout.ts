/** Tidies a flow into layers from the start node down, with dagre. */
import dagre from '@dagrejs/dagre';
import type { FlowDocument, Position } from './flow-document';
import { exitsOf } from './exits';

/** A node's drawn size, when the canvas has measured it. */
export interface NodeSize {
  width: number;
  height: number;
}

/** Size of a node that has not been drawn yet (kept in step with the node's CSS). */
export function estimatedSize(exitCount: number): NodeSize {
  return { width: Math.max(240, exitCount * 84 + 16), height: 132 };
}

/**
 * New top-left positions for every node: layered top to bottom, exits ordered left to right as on
 * the node, so edges rarely cross. Sizes measured by the canvas are used when given.
 */
export function autoLayout(doc: FlowDocument, sizes: ReadonlyMap<string, NodeSize> = new Map()): Record<string, Position> {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 80, edgesep: 24, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  // The start node first, so it lands top-left when the graph has several roots.
  const nodes = [...doc.graph.nodes].sort((a, b) => Number(b.id === doc.graph.start) - Number(a.id === doc.graph.start));
  for (const node of nodes) {
    const size = sizes.get(node.id) ?? estimatedSize(exitsOf(node).length);
    graph.setNode(node.id, { width: size.width, height: size.height });
  }
  const known = new Set(nodes.map((node) => node.id));
  for (const edge of doc.graph.edges) {
    if (known.has(edge.from) && known.has(edge.to)) graph.setEdge(edge.from, edge.to, {}, `${edge.from}:${edge.exit}`);
  }
  dagre.layout(graph);
  const sizeOf = (id: string) => {
    const node = nodes.find((n) => n.id === id);
    return sizes.get(id) ?? estimatedSize(node ? exitsOf(node).length : 1);
  };
  const positions: Record<string, Position> = {};
  for (const node of nodes) {
    const laid = graph.node(node.id);
    const size = sizeOf(node.id);
    positions[node.id] = { x: Math.round(laid.x - size.width / 2), y: Math.round(laid.y - size.height / 2) };
  }
  orderByExits(doc, positions, sizeOf);
  return positions;
}

const GAP = 48;

/**
 * Dagre does not know that a node's exits are ordered left to right, so it may put the target of
 * the first exit on the right and cross the edges. Rank by rank, top down, this re-orders nodes by
 * where the exits leading to them sit, keeping each rank centred where it was.
 */
function orderByExits(doc: FlowDocument, positions: Record<string, Position>, sizeOf: (id: string) => NodeSize): void {
  const ranks = new Map<number, string[]>();
  for (const [id, position] of Object.entries(positions)) {
    const key = Math.round(position.y + sizeOf(id).height / 2);
    ranks.set(key, [...(ranks.get(key) ?? []), id]);
  }
  const exitX = new Map<string, number[]>();
  const nodeById = new Map(doc.graph.nodes.map((node) => [node.id, node]));
  for (const [rank, ids] of [...ranks.entries()].sort(([a], [b]) => a - b)) {
    if (ids.length > 1) {
      const centreOf = (id: string) => (positions[id] as Position).x + sizeOf(id).width / 2;
      const key = (id: string) => {
        const from = exitX.get(id);
        return from && from.length ? from.reduce((sum, x) => sum + x, 0) / from.length : centreOf(id);
      };
      const ordered = [...ids].sort((a, b) => key(a) - key(b) || centreOf(a) - centreOf(b));
      const width = ordered.reduce((sum, id) => sum + sizeOf(id).width, 0) + GAP * (ordered.length - 1);
      const centre = ids.reduce((sum, id) => sum + centreOf(id), 0) / ids.length;
      let x = centre - width / 2;
      for (const id of ordered) {
        (positions[id] as Position).x = Math.round(x);
        x += sizeOf(id).width + GAP;
      }
    }
    // Where this rank's exits leave, for the ranks below.
    for (const id of ids) {
      const node = nodeById.get(id);
      if (!node) continue;
      const exits = exitsOf(node);
      const { x } = positions[id] as Position;
      const width = sizeOf(id).width;
      for (const edge of doc.graph.edges) {
        if (edge.from !== id || edge.to === id) continue;
        const target = positions[edge.to];
        if (!target || Math.round(target.y + sizeOf(edge.to).height / 2) <= rank) continue;
        const slot = Math.max(0, exits.indexOf(edge.exit));
        exitX.set(edge.to, [...(exitX.get(edge.to) ?? []), x + ((slot + 0.5) / Math.max(1, exits.length)) * width]);
      }
    }
  }
}
