export { defineNodeType, type NodeTypeDefinition } from './define';
export { nodeTypes, isNodeType, greet, menu, hangup, type NodeType, type NodeConfig } from './node-types/index';
export { MENU_DIGITS } from './node-types/menu';
export {
  flowGraphSchema,
  flowLayoutSchema,
  flowNodeSchema,
  flowEdgeSchema,
  nodeIdSchema,
  nextNodeId,
  findNode,
  type FlowGraphInput,
  type FlowNodeInput,
  type FlowEdge,
  type FlowLayout,
  type RunnableFlow,
  type RunnableNode,
} from './graph';
export { validateFlow, type FlowProblem, type ValidationResult } from './validate';
export { salesSupportSample } from './samples';
