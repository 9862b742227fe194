import { RE2JS } from 're2js';
import { z } from 'zod';
import { defineNodeType } from '../define';
import { exitId, uniqueBy } from './shared';

/** The fixed set of comparisons a branch can make. No user code runs. */
export const BRANCH_OPERATORS = [
  'equals',
  'notEquals',
  'contains',
  'startsWith',
  'matches',
  'lessThan',
  'greaterThan',
  'isEmpty',
  'isNotEmpty',
] as const;
export type BranchOperator = (typeof BRANCH_OPERATORS)[number];

const condition = z
  .object({
    /** Exit taken when this condition is the first that holds. */
    id: exitId,
    /** Variable path, e.g. `flow.reason` or `mainMenu.digit`. */
    variable: z.string().max(200).regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/, 'Name a variable like flow.name or call.caller'),
    operator: z.enum(BRANCH_OPERATORS),
    /** Compared value (a template); unused by isEmpty / isNotEmpty. */
    value: z.string().max(500).default(''),
    ignoreCase: z.boolean().default(true),
  })
  .superRefine((condition, ctx) => {
    if (condition.operator === 'matches') {
      if (condition.value.length > 200) ctx.addIssue({ code: 'custom', path: ['value'], message: 'Keep patterns under 200 characters' });
      try {
        RE2JS.compile(condition.value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `Not a pattern this step can run (RE2 syntax: no look-arounds or back-references): ${(error as Error).message}` });
      }
    }
    if ((condition.operator === 'lessThan' || condition.operator === 'greaterThan') && !Number.isFinite(Number(condition.value)) && !condition.value.includes('{{')) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'Compare with a number' });
    }
  });

export const branch = defineNodeType({
  type: 'branch',
  version: 1,
  label: 'Branch',
  category: 'logic',
  help: 'Checks conditions on variables in order and leaves by the first that holds, or by else.',
  config: z
    .object({ conditions: z.array(condition).min(1, 'Add at least one condition').max(20) })
    .superRefine((config, ctx) => {
      uniqueBy(config.conditions, (c) => c.id, 'id', 'conditions', ctx, (id) => `Condition id '${id}' is already used`);
      config.conditions.forEach((c, index) => {
        if (c.id === 'else') ctx.addIssue({ code: 'custom', path: ['conditions', index, 'id'], message: "Condition id 'else' is reserved" });
      });
    }),
  exits: (config) => [...config.conditions.map((c) => c.id), 'else'],
  templates: (config) => config.conditions.map((c, index) => ({ field: `conditions.${index}.value`, template: c.value })),
  waitsForCaller: false,
  terminal: false,
});

/** The longest value a `matches` condition tests, and the longest rendered pattern it runs. */
export const MAX_MATCH_INPUT = 10_000;
export const MAX_MATCH_PATTERN = 1000;

/**
 * Whether `pattern` matches anywhere in `input`, in time linear in the input (RE2's engine: no
 * backtracking, so no pattern a builder writes, or a variable fills in, can stall the flow worker).
 * Over-long inputs are cut to {@link MAX_MATCH_INPUT}; over-long or unsupported patterns never match.
 */
export function linearMatch(pattern: string, input: string, ignoreCase: boolean): boolean {
  if (pattern.length > MAX_MATCH_PATTERN) return false;
  try {
    return RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0).test(input.slice(0, MAX_MATCH_INPUT));
  } catch {
    return false;
  }
}

/**
 * Evaluates one condition against a variable's value (both already rendered). `matches` runs on
 * the linear engine; `backtrackingMatches` keeps the old RegExp for histories recorded before it
 * (the interpreter passes `!patched(...)`).
 */
export function testCondition(operator: BranchOperator, actual: string, expected: string, ignoreCase: boolean, options: { backtrackingMatches?: boolean } = {}): boolean {
  const fold = (value: string) => (ignoreCase ? value.toLocaleLowerCase('en-US') : value);
  const a = fold(actual.trim());
  const b = fold(expected.trim());
  switch (operator) {
    case 'equals':
      return a === b;
    case 'notEquals':
      return a !== b;
    case 'contains':
      return a.includes(b);
    case 'startsWith':
      return a.startsWith(b);
    case 'matches':
      if (!options.backtrackingMatches) return linearMatch(expected, actual, ignoreCase);
      try {
        return new RegExp(expected, ignoreCase ? 'i' : '').test(actual);
      } catch {
        return false;
      }
    case 'lessThan':
    case 'greaterThan': {
      const x = Number(a);
      const y = Number(b);
      if (a === '' || !Number.isFinite(x) || !Number.isFinite(y)) return false;
      return operator === 'lessThan' ? x < y : x > y;
    }
    case 'isEmpty':
      return a === '';
    case 'isNotEmpty':
      return a !== '';
  }
}
