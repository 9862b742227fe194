/** The editor's document with undo/redo, and what is selected on the canvas. */
import { useCallback, useMemo, useState } from 'react';
import type { FlowDocument } from './model/flow-document';
import { commit, redo, replacePresent, startHistory, undo, type History } from './model/history';

/** What is selected: node ids and edge keys. */
export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}

/** Nothing selected. */
export const NO_SELECTION: Selection = { nodes: [], edges: [] };

/** How an edit enters the undo history. */
export interface EditOptions {
  /** Edits with the same key in quick succession are one undo step (typing, dragging). */
  coalesceKey?: string;
  /** `false`: no undo step (layout fixes on load). */
  history?: boolean;
}

/** What {@link useFlowDocument} gives the editor. */
export interface FlowDocumentState {
  doc: FlowDocument;
  canUndo: boolean;
  canRedo: boolean;
  /** Applies a change; a change that returns the same document is ignored. */
  edit(change: (doc: FlowDocument) => FlowDocument, options?: EditOptions): void;
  undo(): void;
  redo(): void;
  selection: Selection;
  select(selection: Selection): void;
}

/** Holds the document being edited, its history and the selection. */
export function useFlowDocument(initial: () => FlowDocument): FlowDocumentState {
  const [history, setHistory] = useState<History<FlowDocument>>(() => startHistory(initial()));
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);

  const edit = useCallback((change: (doc: FlowDocument) => FlowDocument, options: EditOptions = {}) => {
    setHistory((current) => {
      const next = change(current.present);
      if (options.history === false) return replacePresent(current, next);
      return commit(current, next, options.coalesceKey ? { coalesceKey: options.coalesceKey } : {});
    });
  }, []);

  /** Keeps the selection to what still exists after undo/redo. */
  const travel = useCallback((step: (h: History<FlowDocument>) => History<FlowDocument>) => {
    setHistory((current) => {
      const next = step(current);
      const ids = new Set(next.present.graph.nodes.map((node) => node.id));
      setSelection((sel) => ({ nodes: sel.nodes.filter((id) => ids.has(id)), edges: [] }));
      return next;
    });
  }, []);

  return useMemo(
    () => ({
      doc: history.present,
      canUndo: history.past.length > 0,
      canRedo: history.future.length > 0,
      edit,
      undo: () => travel(undo),
      redo: () => travel(redo),
      selection,
      select: setSelection,
    }),
    [history, selection, edit, travel],
  );
}
