/**
 * fast-check generators of well-formed call flows (for property tests of the validator and the
 * interpreter). Not exported from the package entry point: tests import this file directly.
 */
import fc from 'fast-check';
import type { FlowGraphInput, FlowNodeInput } from '../graph';

const allDay = [{ open: '00:00', close: '24:00' }];

/** Settings of each node kind the generator uses, with its exits (first one continues the chain). */
const kinds = {
  greet: () => ({ config: { text: 'Hello {{call.caller}}' }, exits: ['next'], input: false }),
  setVariable: () => ({ config: { assignments: [{ name: 'seen', value: 'yes {{call.id}}' }] }, exits: ['next'], input: false }),
  branch: () => ({
    config: { conditions: [{ id: 'hasSeen', variable: 'call.caller', operator: 'startsWith', value: '+1' }] },
    exits: ['hasSeen', 'else'],
    input: false,
  }),
  businessHours: () => ({
    config: { timeZone: 'UTC', weekly: { mon: allDay, wed: allDay, fri: allDay } },
    exits: ['open', 'closed'],
    input: false,
  }),
  menu: () => ({
    config: {
      prompt: 'Press 1 or 2, or say sales.',
      speech: true,
      retries: 1,
      timeoutMs: 1000,
      options: [
        { id: 'one', digit: '1', label: 'Sales' },
        { id: 'two', digit: '2', label: 'Support' },
      ],
    },
    exits: ['one', 'two', 'noInput', 'noMatch'],
    input: true,
  }),
  listen: () => ({ config: { saveAs: 'said' }, exits: ['heard', 'noInput'], input: true }),
} as const;
type Kind = keyof typeof kinds;

/**
 * A valid flow: a chain of 1–7 nodes ending in a hang-up, whose other exits jump forward, or, from
 * nodes that wait for the caller, anywhere (so every loop waits for the caller).
 */
export const arbitraryFlow: fc.Arbitrary<FlowGraphInput> = fc
  .array(fc.constantFrom(...(Object.keys(kinds) as Kind[])), { minLength: 1, maxLength: 7 })
  .chain((sequence) => {
    const count = sequence.length + 1; // + the final hang-up
    const targets = sequence.map((kind, index) => {
      const { exits, input } = kinds[kind]();
      return fc.array(input ? fc.integer({ min: 0, max: count - 1 }) : fc.integer({ min: index + 1, max: count - 1 }), {
        minLength: exits.length - 1,
        maxLength: exits.length - 1,
      });
    });
    return fc.tuple(fc.constant(sequence), fc.tuple(...targets));
  })
  .map(([sequence, targets]) => {
    const id = (index: number) => (index === sequence.length ? 'end' : `n${index}`);
    const nodes: FlowNodeInput[] = sequence.map((kind, index) => ({ id: id(index), type: kind, config: kinds[kind]().config }));
    nodes.push({ id: 'end', type: 'hangup', config: { farewell: 'Bye.' } });
    const edges = sequence.flatMap((kind, index) =>
      kinds[kind]().exits.map((exit, exitIndex) => ({
        from: id(index),
        exit,
        to: id(exitIndex === 0 ? index + 1 : ((targets[index] as number[])[exitIndex - 1] as number)),
      })),
    );
    return { start: 'n0', nodes, edges };
  });
