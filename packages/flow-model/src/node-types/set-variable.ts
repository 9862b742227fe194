import { z } from 'zod';
import { defineNodeType } from '../define';
import { uniqueBy, variableName } from './shared';

export const setVariable = defineNodeType({
  type: 'setVariable',
  version: 1,
  label: 'Set variable',
  category: 'logic',
  help: 'Stores values (templates allowed) in flow variables, readable later as {{flow.<name>}}.',
  config: z
    .object({
      assignments: z
        .array(z.object({ name: variableName, value: z.string().max(2000) }))
        .min(1, 'Add at least one variable')
        .max(20),
    })
    .superRefine((config, ctx) =>
      uniqueBy(config.assignments, (a) => a.name, 'name', 'assignments', ctx, (name) => `'${name}' is set twice here`),
    ),
  exits: () => ['next'],
  sets: (config) => config.assignments.map((assignment) => assignment.name),
  templates: (config) => config.assignments.map((assignment, index) => ({ field: `assignments.${index}.value`, template: assignment.value })),
  waitsForCaller: false,
  terminal: false,
});
