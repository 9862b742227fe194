import type { z } from 'zod';
import { greet } from './greet';
import { hangup } from './hangup';
import { menu } from './menu';

/** Every node type, by id. Adding one here makes interpreter and canvas fail to compile until they handle it. */
export const nodeTypes = { greet, menu, hangup } as const;

export type NodeType = keyof typeof nodeTypes;
export type NodeConfig<T extends NodeType> = z.output<(typeof nodeTypes)[T]['config']>;

export function isNodeType(type: string): type is NodeType {
  return Object.prototype.hasOwnProperty.call(nodeTypes, type);
}

export { greet, hangup, menu };
