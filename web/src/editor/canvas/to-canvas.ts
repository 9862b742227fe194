/** The document as React Flow nodes and edges: pure, recomputed on every change. */
import { MarkerType, type Edge, type Node } from '@xyflow/react';
import { isNodeType, nodeTypes, type FlowProblem } from '@switchboard/flow-model';
import type { DraftNode } from '../../api/types';
import { edgeKey, type FlowDocument } from '../model/flow-document';
import { exitsOf } from '../model/exits';
import type { DraftProblems } from '../model/problems';
import type { Selection } from '../use-flow-document';
import { exitLabel, nodeTypeUi } from '../node-types';
import type { NodeSize } from '../model/auto-layout';
import type { FlowTrace } from '../testing/trace';

/** One exit of a node, as its handle shows it. */
export interface ExitView {
  name: string;
  label: string;
  connected: boolean;
}

/** What a node on the canvas draws. */
export interface FlowNodeData extends Record<string, unknown> {
  node: DraftNode;
  typeLabel: string;
  icon: string | undefined;
  accent: string;
  title: string;
  summary: string;
  exits: ExitView[];
  isStart: boolean;
  terminal: boolean;
  problems: FlowProblem[];
  /** Where a test call is: at this step now, or passed through it. */
  trace?: 'current' | 'visited';
}

/** A node on the canvas. */
export type CanvasNode = Node<FlowNodeData, 'flowNode'>;
/** An edge on the canvas; `data.problems` holds what the validator says about it. */
export type CanvasEdge = Edge<{ problems: FlowProblem[] }>;

/** React Flow's id for the handle every node is entered by. */
export const TARGET_HANDLE = 'in';

const UNKNOWN_ACCENT = '#64748b';

/** Builds the canvas nodes; `measured` sizes are passed back so React Flow does not measure again. */
export function toCanvasNodes(
  doc: FlowDocument,
  problems: DraftProblems,
  selection: Selection,
  measured: ReadonlyMap<string, NodeSize>,
  trace?: FlowTrace,
): CanvasNode[] {
  const selected = new Set(selection.nodes);
  const visited = new Set(trace?.visited);
  return doc.graph.nodes.map((node, index) => {
    const type = node.type;
    const known = isNodeType(type) ? type : undefined;
    const ui = known ? nodeTypeUi[known] : undefined;
    const connected = new Set(doc.graph.edges.filter((edge) => edge.from === node.id).map((edge) => edge.exit));
    const exits = exitsOf(node).map((name) => ({ name, label: exitLabel(node.type, name, node.config), connected: connected.has(name) }));
    const size = measured.get(node.id);
    const title = node.label?.trim() || node.id;
    return {
      id: node.id,
      type: 'flowNode',
      position: doc.layout.nodes[node.id] ?? { x: index * 40, y: index * 40 },
      selected: selected.has(node.id),
      ariaLabel: `${known ? nodeTypes[known].label : node.type} node ${title}${problems.byNode.has(node.id) ? ', has problems' : ''}`,
      ...(size ? { measured: size } : {}),
      data: {
        node,
        typeLabel: known ? nodeTypes[known].label : `Unknown type “${node.type}”`,
        icon: ui?.icon,
        accent: ui?.accent ?? UNKNOWN_ACCENT,
        title,
        summary: ui ? ui.summary(node.config) : 'This server does not know this node type.',
        exits,
        isStart: doc.graph.start === node.id,
        terminal: known ? nodeTypes[known].terminal : false,
        problems: problems.byNode.get(node.id) ?? [],
        ...(trace?.current === node.id ? { trace: 'current' as const } : visited.has(node.id) ? { trace: 'visited' as const } : {}),
      },
    };
  });
}

/** Builds the canvas edges; edges to nodes that do not exist are left to the problems list. */
export function toCanvasEdges(doc: FlowDocument, problems: DraftProblems, selection: Selection, trace?: FlowTrace): CanvasEdge[] {
  const ids = new Set(doc.graph.nodes.map((node) => node.id));
  const taken = new Set(trace?.taken);
  const selected = new Set(selection.edges);
  return doc.graph.edges
    .filter((edge) => ids.has(edge.from) && ids.has(edge.to))
    .map((edge) => {
      const key = edgeKey(edge);
      const edgeProblems = problems.byEdge.get(key) ?? [];
      const bad = edgeProblems.length > 0;
      const wasTaken = taken.has(key);
      return {
        id: key,
        source: edge.from,
        sourceHandle: edge.exit,
        target: edge.to,
        targetHandle: TARGET_HANDLE,
        type: 'default',
        selected: selected.has(key),
        className: `flow-edge${bad ? ' flow-edge--problem' : ''}${wasTaken ? ' flow-edge--taken' : ''}`,
        ...(wasTaken ? { animated: true } : {}),
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: bad ? '#dc2626' : wasTaken ? '#059669' : '#64748b' },
        ariaLabel: `Connection from ${edge.from} (${edge.exit}) to ${edge.to}`,
        data: { problems: edgeProblems },
      };
    });
}
