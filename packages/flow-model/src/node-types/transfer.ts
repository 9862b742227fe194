import { z } from 'zod';
import { defineNodeType } from '../define';
import { spokenText } from './shared';

/** E.164 (`+14155550123`) or a SIP URI (`sip:desk@example.com`). */
export const TRANSFER_TARGET = /^(\+[1-9]\d{6,14}|sips?:[^\s@]+@[^\s@]+)$/;

const transferTarget = z.string().trim().max(300).regex(TRANSFER_TARGET, 'Use an international number like +14155550123 or a SIP address like sip:desk@example.com');

export const MAX_TRANSFER_TARGETS = 5;

export const transfer = defineNodeType({
  type: 'transfer',
  version: 2,
  label: 'Transfer',
  category: 'route',
  help: 'Hands the call to another number or SIP address (a cold transfer). With several destinations, the next is tried when one fails. The flow ends when a transfer succeeds; it leaves by failed when none does.',
  config: z.object({
    /** Tried in order until one takes the call. Version 1 had one destination, `to`. */
    targets: z.array(transferTarget).min(1, 'Add a number or SIP address to transfer to').max(MAX_TRANSFER_TARGETS),
    announcement: spokenText().optional(),
    /** Play a ringing tone to the caller while the far end answers. */
    ringingTone: z.boolean().default(true),
  }),
  upgrades: {
    // Version 1 transferred to one destination, `to`; version 2 tries a list in order. (Settings
    // already in version 2's shape, from an API user who left out typeVersion, pass as they are.)
    1: ({ to, ...settings }) => (to === undefined ? { targets: [], ...settings } : { ...settings, targets: [to] }),
  },
  exits: () => ['failed'],
  outputs: ['error'],
  templates: (config) => (config.announcement ? [{ field: 'announcement', template: config.announcement, spoken: true }] : []),
  waitsForCaller: false,
  terminal: false,
});
