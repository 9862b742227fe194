/** The editor's keyboard shortcuts, active while focus is not in a text field or a dialog. */
import { useEffect, useRef } from 'react';

/** What each shortcut does. */
export interface EditorShortcuts {
  undo(): void;
  redo(): void;
  copy(): void;
  cut(): void;
  paste(): void;
  duplicate(): void;
  selectAll(): void;
  clearSelection(): void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('dialog[open]')) return true;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Ctrl/⌘ Z, Y, Shift Z, C, X, V, D, A and Escape. Delete is React Flow's own. */
export function useEditorShortcuts(shortcuts: EditorShortcuts): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (isTyping(event.target) || event.altKey) return;
      const actions = ref.current;
      if (event.key === 'Escape') return actions.clearSelection();
      if (!(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      const run = (action: () => void) => {
        event.preventDefault();
        action();
      };
      if (key === 'z' && event.shiftKey) return run(actions.redo);
      if (key === 'z') return run(actions.undo);
      if (key === 'y') return run(actions.redo);
      if (key === 'c') return run(actions.copy);
      if (key === 'x') return run(actions.cut);
      if (key === 'v') return run(actions.paste);
      if (key === 'd') return run(actions.duplicate);
      if (key === 'a') return run(actions.selectAll);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
