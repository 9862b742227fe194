/** Variable chips under a text setting: click one to insert `{{name}}` where the cursor is. */
import { createContext, useContext } from 'react';
import type { VariableHint } from '../model/variables';

export interface VariableHintsValue {
  variables: readonly VariableHint[];
  /** Whether the setting at this dotted path takes variables. */
  accepts(path: string): boolean;
}

export const VariableHintsContext = createContext<VariableHintsValue>({ variables: [], accepts: () => false });

export function useVariableHints(path: string): readonly VariableHint[] {
  const context = useContext(VariableHintsContext);
  return context.accepts(path) ? context.variables : [];
}

/** Inserts `{{name}}` at the cursor of the input `inputId` (or at the end) and reports the new text. */
function insertInto(inputId: string, text: string, name: string, onChange: (next: string) => void): void {
  const element = document.getElementById(inputId) as HTMLInputElement | HTMLTextAreaElement | null;
  const placeholder = `{{${name}}}`;
  const start = element?.selectionStart ?? text.length;
  const end = element?.selectionEnd ?? text.length;
  const next = text.slice(0, start) + placeholder + text.slice(end);
  onChange(next);
  requestAnimationFrame(() => {
    if (!element) return;
    element.focus();
    const caret = start + placeholder.length;
    element.setSelectionRange(caret, caret);
  });
}

export function VariableHints({ inputId, text, variables, onChange }: { inputId: string; text: string; variables: readonly VariableHint[]; onChange(next: string): void }) {
  if (variables.length === 0) return null;
  return (
    <div className="variable-hints" role="group" aria-label="Insert a variable">
      <span className="variable-hints__label">Insert:</span>
      {variables.map((variable) => (
        <button
          key={variable.name}
          type="button"
          className="variable-hints__chip"
          title={`{{${variable.name}}}: ${variable.source}`}
          // Keep the cursor where it is in the field.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => insertInto(inputId, text, variable.name, onChange)}
        >
          {variable.name}
        </button>
      ))}
    </div>
  );
}
