/** What changed between two versions of a flow: steps, their settings, and connections. */
import type { DraftGraph, DraftNode } from '../../api/types';

export interface SettingChange {
  /** Dotted path of the setting (`options.1.digit`), `label` or `type`. */
  path: string;
  before: string | undefined;
  after: string | undefined;
}

export interface FlowDiff {
  start: { before: string; after: string } | undefined;
  added: DraftNode[];
  removed: DraftNode[];
  changed: Array<{ node: DraftNode; changes: SettingChange[] }>;
  /** `from → exit → to` descriptions. */
  connected: Array<{ from: string; exit: string; to: string }>;
  disconnected: Array<{ from: string; exit: string; to: string }>;
}

/** Leaves of a settings object by dotted path, as JSON text. */
function leaves(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && (!Array.isArray(value) || value.length > 0) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) leaves(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (prefix) {
    into.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return into;
}

/** The differences from `before` to `after`. */
export function diffFlows(before: DraftGraph, after: DraftGraph): FlowDiff {
  const beforeNodes = new Map(before.nodes.map((node) => [node.id, node]));
  const afterNodes = new Map(after.nodes.map((node) => [node.id, node]));
  const changed: FlowDiff['changed'] = [];
  for (const node of after.nodes) {
    const old = beforeNodes.get(node.id);
    if (!old) continue;
    const changes: SettingChange[] = [];
    if (old.type !== node.type) changes.push({ path: 'type', before: old.type, after: node.type });
    if ((old.label ?? '') !== (node.label ?? '')) changes.push({ path: 'label', before: old.label, after: node.label });
    const a = leaves(old.config);
    const b = leaves(node.config);
    for (const path of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(path) !== b.get(path)) changes.push({ path, before: a.get(path), after: b.get(path) });
    }
    if (changes.length > 0) changed.push({ node, changes });
  }
  const key = (edge: { from: string; exit: string; to: string }) => `${edge.from}\u0000${edge.exit}\u0000${edge.to}`;
  const beforeEdges = new Set(before.edges.map(key));
  const afterEdges = new Set(after.edges.map(key));
  return {
    start: before.start !== after.start ? { before: before.start, after: after.start } : undefined,
    added: after.nodes.filter((node) => !beforeNodes.has(node.id)),
    removed: before.nodes.filter((node) => !afterNodes.has(node.id)),
    changed,
    connected: after.edges.filter((edge) => !beforeEdges.has(key(edge))),
    disconnected: before.edges.filter((edge) => !afterEdges.has(key(edge))),
  };
}

/** True when nothing differs. */
export function isSameFlow(diff: FlowDiff): boolean {
  return !diff.start && !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.connected.length && !diff.disconnected.length;
}
