/** The settings a new node starts with. */
import { isNodeType } from '@switchboard/flow-model';
import { configSchemaOf } from '../form/json-schema';
import { nodeTypeUi } from '../node-types';

/**
 * Required text starts empty and required lists start empty, so the validator asks for them in its
 * own words; defaults are not written, so they stay defaults. A type's `initialConfig` adds to that.
 */
export function initialConfig(type: string): Record<string, unknown> {
  const schema = configSchemaOf(type);
  const config: Record<string, unknown> = {};
  for (const key of schema.required ?? []) {
    const property = schema.properties?.[key];
    if (property?.type === 'string') config[key] = '';
    else if (property?.type === 'array') config[key] = [];
  }
  const extra = isNodeType(type) ? nodeTypeUi[type].initialConfig : undefined;
  return structuredClone({ ...config, ...extra });
}
