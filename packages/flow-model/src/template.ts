/**
 * Templates in node settings: `Hello {{flow.name}}, you called {{call.called}}`.
 * Deliberately tiny and sandboxed: a placeholder is a dotted variable path and nothing else, so no
 * user code ever runs, and rendering is a pure function (safe in workflow code).
 *
 * Variables:
 *   call.id, call.caller, call.called, call.startedAt, call.trigger   facts of the call
 *   flow.<name>                                                        set by setVariable, listen, httpRequest…
 *   <nodeId>.<output>                                                  what a node produced (e.g. mainMenu.digit)
 */

// Linear on any input: the inside is one greedy run of non-braces (trimmed in code), so a failed
// match is given up after one scan. (`\{\{\s*([^{}]*?)\s*\}\}` backtracked in cubic time on
// "{{" + spaces + "}": 2,000 characters took 1.4 s.)
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/;

export const CALL_VARIABLES = ['call.id', 'call.caller', 'call.called', 'call.startedAt', 'call.trigger', 'call.screening'] as const;

/** Variable name for `flow.<name>` values: letters, digits and _ (starting with a letter). */
export const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export interface TemplateReference {
  path: string;
  /** Offset of the placeholder in the template. */
  index: number;
}

export interface TemplateSyntaxError {
  message: string;
  index: number;
}

/** The variable paths a template uses, and placeholders that are not variable paths. */
export function parseTemplate(template: string): { references: TemplateReference[]; errors: TemplateSyntaxError[] } {
  const references: TemplateReference[] = [];
  const errors: TemplateSyntaxError[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const path = (match[1] ?? '').trim();
    if (PATH.test(path)) references.push({ path, index: match.index ?? 0 });
    else errors.push({ index: match.index ?? 0, message: `'{{${path}}}' is not a variable; use a path like {{flow.name}} or {{call.caller}}` });
  }
  const opened = (template.match(/\{\{/g) ?? []).length;
  if (opened > references.length + errors.length) {
    errors.push({ index: template.indexOf('{{'), message: "A '{{' is never closed with '}}'" });
  }
  return { references, errors };
}

/** Renders a template; a missing variable renders as empty and is listed in `missing`. */
export function renderTemplate(template: string, variables: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, raw: string) => {
    const path = raw.trim();
    if (!PATH.test(path)) return whole;
    const value = Object.prototype.hasOwnProperty.call(variables, path) ? variables[path] : undefined;
    if (value === undefined) {
      missing.push(path);
      return '';
    }
    return value;
  });
  return { text, missing };
}
