/** A draft node's exits, read from its type's declaration even when its settings are unfinished. */
import { isNodeType, nodeTypes } from '@switchboard/flow-model';
import type { DraftNode } from '../../api/types';

/**
 * The exits of a node, in declaration order. `exits(config)` is called with the raw draft config,
 * so a menu with a duplicate key still shows one handle per option; a config too broken to read
 * gives no exits rather than an exception.
 */
export function exitsOf(node: Pick<DraftNode, 'type' | 'config'>): string[] {
  if (!isNodeType(node.type)) return [];
  const definition = nodeTypes[node.type];
  const parsed = definition.config.safeParse(node.config);
  const exits = definition.exits as (config: unknown) => unknown;
  let names: unknown;
  try {
    names = exits(parsed.success ? parsed.data : node.config);
  } catch {
    return [];
  }
  if (!Array.isArray(names)) return [];
  return [...new Set(names.filter((name): name is string => typeof name === 'string' && name.length > 0))];
}
