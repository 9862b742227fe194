import type { RunnableFlow } from './graph';
import { nodeTypes } from './node-types/index';
import { parseTemplate, renderTemplate } from './template';

/** A prompt a flow always speaks the same way: it can be synthesized once, ahead of calls. */
export interface StaticPrompt {
  nodeId: string;
  field: string;
  text: string;
  voice?: string;
  language?: string;
}

/**
 * The spoken settings of a flow that hold no variables (so no caller's data), with the voice and
 * language the node asks for. Prompts with variables are synthesized during the call instead.
 */
export function staticPrompts(flow: RunnableFlow): StaticPrompt[] {
  const out: StaticPrompt[] = [];
  for (const node of flow.nodes) {
    const definition = nodeTypes[node.type] as { templates?: (config: unknown) => Array<{ field: string; template: string; spoken?: boolean }> };
    const config = node.config as { voice?: string; language?: string };
    for (const { field, template, spoken } of definition.templates?.(node.config) ?? []) {
      if (!spoken || !template.trim() || parseTemplate(template).references.length > 0) continue;
      out.push({
        nodeId: node.id,
        field,
        text: renderTemplate(template, {}).text,
        ...(node.type === 'greet' && config.voice ? { voice: config.voice } : {}),
        ...(node.type === 'greet' && config.language ? { language: config.language } : {}),
      });
    }
  }
  return out;
}
