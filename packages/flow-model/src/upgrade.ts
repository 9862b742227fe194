/**
 * Node settings saved by an older version of their node type, brought to the current version with
 * the type's `upgrades` (define.ts). A node saved without `typeVersion` was saved by version 1: the
 * only version of every type before versions were stored. Pure; safe in workflow code.
 */
import type { NodeTypeDefinition } from './define';
import type { RunnableNode } from './graph';
import { isNodeType, nodeTypes } from './node-types/index';

/** The version a stored node was saved by. */
export const savedVersion = (node: { typeVersion?: number }): number => node.typeVersion ?? 1;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Settings saved by `fromVersion`, as the current version's; or why they cannot be. */
export function upgradeSettings(
  definition: NodeTypeDefinition,
  fromVersion: number,
  settings: Record<string, unknown>,
): { ok: true; settings: Record<string, unknown> } | { ok: false; message: string } {
  let upgraded = settings;
  for (let version = fromVersion; version < definition.version; version++) {
    const upgrade = definition.upgrades?.[version];
    if (!upgrade) return { ok: false, message: `${definition.label} version ${version} has no upgrade to version ${version + 1}` };
    upgraded = upgrade(upgraded);
  }
  return { ok: true, settings: upgraded };
}

/**
 * A stored node (a draft's, possibly invalid) at its type's current version. Nodes of unknown
 * types, of the current or a newer version, or whose settings cannot be upgraded come back as they
 * are, for the validator to report.
 */
export function upgradeNode<Node extends { type: string; typeVersion?: number; config?: unknown }>(node: Node): Node {
  if (!isNodeType(node.type)) return node;
  const definition = nodeTypes[node.type] as NodeTypeDefinition;
  const version = savedVersion(node);
  if (version >= definition.version) return node;
  const result = upgradeSettings(definition, version, isRecord(node.config) ? node.config : {});
  return result.ok ? { ...node, typeVersion: definition.version, config: result.settings } : node;
}

/** A stored graph (a draft's or a published version's) with every node it can upgrade upgraded. */
export function upgradeGraph<Graph>(graph: Graph): Graph {
  if (!isRecord(graph) || !Array.isArray(graph.nodes)) return graph;
  return {
    ...graph,
    nodes: graph.nodes.map((node: unknown) =>
      isRecord(node) && typeof node.type === 'string' ? upgradeNode(node as { type: string; typeVersion?: number; config?: unknown }) : node,
    ),
  };
}

/**
 * For the interpreter: a node of a published version (valid in the version it was saved by) at
 * the current version, whose handler then runs it.
 */
export function currentNode(node: RunnableNode): RunnableNode {
  const definition = nodeTypes[node.type] as NodeTypeDefinition;
  if (node.typeVersion >= definition.version) return node;
  const result = upgradeSettings(definition, node.typeVersion, node.config as Record<string, unknown>);
  if (!result.ok) throw new Error(result.message);
  return { ...node, typeVersion: definition.version, config: result.settings } as RunnableNode;
}
