/** Addressing settings by path: ids for focusing a field from a problem, and immutable updates. */

/** A path into a node's settings: `['options', 1, 'digit']`. */
export type FieldPath = readonly (string | number)[];

/** The DOM id of the input for a setting; problems carry the same path dotted (`options.1.digit`). */
export function fieldId(nodeId: string, path: FieldPath | string): string {
  const dotted = typeof path === 'string' ? path : path.join('.');
  return `setting-${nodeId}-${dotted.replaceAll('.', '-')}`;
}

/** The element to focus for a problem's field: the field itself, else the nearest enclosing one. */
export function findFieldElement(nodeId: string, field: string | undefined): HTMLElement | null {
  const parts = field ? field.split('.') : [];
  for (let length = parts.length; length > 0; length--) {
    const element = document.getElementById(fieldId(nodeId, parts.slice(0, length).join('.')));
    if (element) return element;
  }
  return null;
}

/** A copy of `target` with `value` at `path`; `undefined` removes the key. */
export function setIn(target: unknown, path: FieldPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (typeof head === 'number') {
    const array = Array.isArray(target) ? [...(target as unknown[])] : [];
    array[head] = setIn(array[head], rest, value);
    return array;
  }
  const object: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  const inner = setIn(object[head], rest, value);
  if (inner === undefined) delete object[head];
  else object[head] = inner;
  return object;
}
