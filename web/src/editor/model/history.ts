/**
 * Undo and redo over immutable snapshots. Edits that arrive in a burst on the same thing (typing in
 * one field, dragging one node) share a `coalesceKey` and become one undo step.
 */

/** The undo stack around the current snapshot. */
export interface History<T> {
  past: readonly T[];
  present: T;
  future: readonly T[];
  /** Key and time of the last commit, for coalescing. */
  last?: { key: string; at: number };
}

/** How many steps can be undone. */
export const HISTORY_LIMIT = 200;
/** Edits with the same key closer together than this are one step. */
export const COALESCE_MS = 1000;

/** A history with nothing to undo. */
export function startHistory<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

/** Makes `next` the present; same-key edits within {@link COALESCE_MS} replace the last step. */
export function commit<T>(history: History<T>, next: T, options: { coalesceKey?: string; now?: number } = {}): History<T> {
  if (next === history.present) return history;
  const now = options.now ?? Date.now();
  const key = options.coalesceKey;
  if (key && history.last?.key === key && now - history.last.at < COALESCE_MS) {
    return { ...history, present: next, future: [], last: { key, at: now } };
  }
  return {
    past: [...history.past, history.present].slice(-HISTORY_LIMIT),
    present: next,
    future: [],
    ...(key ? { last: { key, at: now } } : {}),
  };
}

/** Replaces the present without an undo step (layout fixes on load, positions during a drag). */
export function replacePresent<T>(history: History<T>, next: T): History<T> {
  return next === history.present ? history : { ...history, present: next };
}

/** Steps back; unchanged when there is nothing to undo. */
export function undo<T>(history: History<T>): History<T> {
  const previous = history.past.at(-1);
  if (previous === undefined) return history;
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] };
}

/** Steps forward again; unchanged when there is nothing to redo. */
export function redo<T>(history: History<T>): History<T> {
  const [next, ...rest] = history.future;
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: rest };
}
