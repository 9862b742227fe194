import { z } from 'zod';
import type { NodeConfig, NodeType } from './node-types/index';

/** Node ids appear in URLs, events and Temporal summaries, so they are short and plain. */
export const nodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'Node ids use letters, digits, - or _ (at most 64)');

/** The most nodes and edges a flow may have, and its most characters as JSON (layout included). */
export const MAX_FLOW_NODES = 500;
export const MAX_FLOW_EDGES = 2000;
export const MAX_FLOW_CHARACTERS = 500_000;

/** A node as stored: its type, the type's version, and its settings (validated per type). */
export const flowNodeSchema = z.object({
  id: nodeIdSchema,
  type: z.string().min(1).max(64),
  typeVersion: z.number().int().positive().optional(),
  /** Name builders gave the node; shown in the Temporal UI and dashboard. */
  label: z.string().max(120).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
});

/** Routing: leaving node `from` by its exit `exit` goes to node `to`. */
export const flowEdgeSchema = z.object({
  from: z.string().min(1).max(64),
  exit: z.string().min(1).max(64),
  to: z.string().min(1).max(64),
});

/** The runnable graph. Layout lives apart (FlowLayout) so moving a box never changes a call. */
export const flowGraphSchema = z.object({
  start: z.string().min(1, 'Choose the node the call starts at').max(64),
  nodes: z.array(flowNodeSchema).min(1, 'A flow needs at least one node').max(MAX_FLOW_NODES, `A flow has at most ${MAX_FLOW_NODES} nodes`),
  edges: z.array(flowEdgeSchema).max(MAX_FLOW_EDGES, `A flow has at most ${MAX_FLOW_EDGES} connections`).default([]),
});

/** Where the canvas draws each node; never read by the interpreter. */
export const flowLayoutSchema = z.object({
  nodes: z.record(z.string(), z.object({ x: z.number(), y: z.number() })).default({}),
});

export type FlowNodeInput = z.input<typeof flowNodeSchema>;
export type FlowGraphInput = z.input<typeof flowGraphSchema>;
export type FlowEdge = z.output<typeof flowEdgeSchema>;
export type FlowLayout = z.output<typeof flowLayoutSchema>;

/** A node after validation: known type, settings parsed with defaults applied. */
export type RunnableNode = {
  [T in NodeType]: { id: string; type: T; typeVersion: number; label?: string; config: NodeConfig<T> };
}[NodeType];

/** A graph that passed validateFlow(): what a published version stores and a call runs. */
export interface RunnableFlow {
  start: string;
  nodes: RunnableNode[];
  edges: FlowEdge[];
}

/** The node a call goes to when it leaves `nodeId` by `exit`, or undefined when none is connected. */
export function nextNodeId(flow: RunnableFlow, nodeId: string, exit: string): string | undefined {
  return flow.edges.find((edge) => edge.from === nodeId && edge.exit === exit)?.to;
}

export function findNode(flow: RunnableFlow, nodeId: string): RunnableNode | undefined {
  return flow.nodes.find((node) => node.id === nodeId);
}
