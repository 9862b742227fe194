/**
 * The JSON Schema of each node type's settings (zod's own conversion, the same the API serves at
 * /api/node-types), read into a small typed shape the settings form understands.
 */
import { z } from 'zod';
import { isNodeType, nodeTypes } from '@switchboard/flow-model';

/** The part of JSON Schema the settings form reads. */
export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** Reads an untyped JSON Schema object; `anyOf` with null (optional fields) is flattened. */
export function readSchema(value: unknown): JsonSchema {
  if (!isRecord(value)) return {};
  const anyOf = Array.isArray(value.anyOf) ? value.anyOf.filter((option) => !(isRecord(option) && option.type === 'null')) : undefined;
  if (anyOf && anyOf.length === 1) return { ...readSchema(anyOf[0]), ...readSchema({ ...value, anyOf: undefined }) };
  const schema: JsonSchema = {};
  const type = Array.isArray(value.type) ? value.type.find((t) => t !== 'null') : value.type;
  if (typeof type === 'string') schema.type = type;
  if (str(value.title)) schema.title = str(value.title);
  if (str(value.description)) schema.description = str(value.description);
  if (isRecord(value.properties)) {
    schema.properties = Object.fromEntries(Object.entries(value.properties).map(([key, property]) => [key, readSchema(property)]));
  }
  if (Array.isArray(value.required)) schema.required = value.required.filter((key): key is string => typeof key === 'string');
  if (value.items !== undefined) schema.items = readSchema(value.items);
  if (Array.isArray(value.enum)) schema.enum = value.enum;
  if ('default' in value) schema.default = value.default;
  if ('const' in value && !schema.enum) schema.enum = [value.const];
  for (const key of ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems'] as const) {
    const n = num(value[key]);
    if (n !== undefined) schema[key] = n;
  }
  if (str(value.pattern)) schema.pattern = str(value.pattern);
  return schema;
}

const cache = new Map<string, JsonSchema>();

/** The settings schema of a node type (input side: defaults make fields optional); empty for unknown types. */
export function configSchemaOf(type: string): JsonSchema {
  const cached = cache.get(type);
  if (cached) return cached;
  const schema = isNodeType(type) ? readSchema(z.toJSONSchema(nodeTypes[type].config, { io: 'input', unrepresentable: 'any' })) : {};
  cache.set(type, schema);
  return schema;
}
