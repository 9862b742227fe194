/**
 * Limits on what requests carry beyond their byte size, checked before any route sees them:
 * - nesting depth: a 5,000-deep object is a few kilobytes, yet recursive code downstream (drizzle's
 *   JSON serialisation, zod, the canvas) overflows its stack on it;
 * - text PostgreSQL cannot store: NUL characters and lone UTF-16 surrogates, in bodies, paths and
 *   queries (they made the database driver fail with a 500).
 */
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

/** Objects and arrays nested deeper than this are refused (flows need about 6). */
export const MAX_JSON_DEPTH = 32;

/** The path (dotted) of the first value nested deeper than `maxDepth`, or undefined. Iterative: never overflows. */
export function tooDeepAt(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= maxDepth) return item.path || '(top)';
    for (const [key, child] of Object.entries(item.value)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: item.depth + 1, path: item.path ? `${item.path}.${key}` : key });
    }
  }
  return undefined;
}

/** A NUL character, or half of a surrogate pair without its other half. */
// eslint-disable-next-line no-control-regex -- finding NUL characters is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The dotted path of the first string (or key) PostgreSQL cannot store, or undefined. Iterative. */
export function unstorableTextAt(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (UNSTORABLE.test(item.value)) return item.path || '(top)';
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (UNSTORABLE.test(key)) return path;
      stack.push({ value: child, path });
    }
  }
  return undefined;
}

const shown = (path: string) => (path.length > 120 ? `${path.slice(0, 120)}…` : path);

/** Refuses parsed JSON bodies nested deeper than {@link MAX_JSON_DEPTH} or holding unstorable text, saying where. */
export const checkJsonBody: RequestHandler = (request, _response, next) => {
  if (request.body === null || typeof request.body !== 'object' || Buffer.isBuffer(request.body)) return next();
  const deep = tooDeepAt(request.body);
  if (deep !== undefined) throw new HttpError(400, 'tooDeep', `The request body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep (at ${shown(deep)})`);
  const text = unstorableTextAt(request.body);
  if (text !== undefined) throw new HttpError(400, 'invalidText', `Invalid request body: ${shown(text)}: text must not hold NUL characters or unpaired surrogates`);
  next();
};

/** Refuses paths and queries holding NUL characters or unpaired surrogates (in their decoded form). */
export const checkPathAndQuery: RequestHandler = (request, _response, next) => {
  let path: string;
  try {
    path = decodeURIComponent(request.path);
  } catch {
    throw new HttpError(400, 'invalidRequest', 'The request path is not valid percent-encoded UTF-8');
  }
  if (UNSTORABLE.test(path)) throw new HttpError(400, 'invalidText', 'The request path must not hold NUL characters or unpaired surrogates');
  const query = unstorableTextAt(request.query);
  if (query !== undefined) throw new HttpError(400, 'invalidText', `Invalid request query: ${shown(query)}: text must not hold NUL characters or unpaired surrogates`);
  next();
};
