import { z } from 'zod';
import { defineNodeType } from '../define';
import { spokenText } from './shared';

/** E.164 (`+14155550123`) or a SIP URI (`sip:desk@example.com`). */
export const TRANSFER_TARGET = /^(\+[1-9]\d{6,14}|sips?:[^\s@]+@[^\s@]+)$/;

export const transfer = defineNodeType({
  type: 'transfer',
  version: 1,
  label: 'Transfer',
  category: 'route',
  help: 'Hands the call to another number or SIP address (a cold transfer). The flow ends when the transfer succeeds; it leaves by failed otherwise.',
  config: z.object({
    to: z.string().trim().max(300).regex(TRANSFER_TARGET, 'Use an international number like +14155550123 or a SIP address like sip:desk@example.com'),
    announcement: spokenText().optional(),
    /** Play a ringing tone to the caller while the far end answers. */
    ringingTone: z.boolean().default(true),
  }),
  exits: () => ['failed'],
  outputs: ['error'],
  templates: (config) => (config.announcement ? [{ field: 'announcement', template: config.announcement, spoken: true }] : []),
  waitsForCaller: false,
  terminal: false,
});
