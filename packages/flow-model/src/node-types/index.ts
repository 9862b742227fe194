import type { z } from 'zod';
import { aiAgent } from './ai-agent';
import { branch } from './branch';
import { businessHours } from './business-hours';
import { greet } from './greet';
import { hangup } from './hangup';
import { httpRequest } from './http-request';
import { listen } from './listen';
import { menu } from './menu';
import { play } from './play';
import { placeholder } from './placeholder';
import { recordVoicemail } from './record-voicemail';
import { setVariable } from './set-variable';
import { transfer } from './transfer';

/**
 * Every node type, by id (ids are stored in flows forever). Adding one here makes the interpreter
 * and the canvas fail to compile until they handle it.
 */
export const nodeTypes = {
  greet,
  play,
  listen,
  menu,
  branch,
  setVariable,
  httpRequest,
  businessHours,
  transfer,
  recordVoicemail,
  aiAgent,
  hangup,
  placeholder,
} as const;

export type NodeType = keyof typeof nodeTypes;
export type NodeConfig<T extends NodeType> = z.output<(typeof nodeTypes)[T]['config']>;

export function isNodeType(type: string): type is NodeType {
  return Object.prototype.hasOwnProperty.call(nodeTypes, type);
}

export { aiAgent, branch, businessHours, greet, hangup, httpRequest, listen, menu, play, recordVoicemail, setVariable, transfer };
export { placeholder };
