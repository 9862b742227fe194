/**
 * Phone trigger settings (`phone_triggers.settings`, JSON). Shared by the API (validation, call
 * start), the web app (editing) and docs. Every key is optional. This file holds the telephony keys
 * (`sip`, `callerChecks`); other keys (greeting, voice, providers, …) are merged in beside them.
 */
import { z } from 'zod';

/** What a failed caller check does: refuse the call before it is answered, or run the flow with `screening.result` set. */
export const CALLER_CHECK_ACTIONS = ['reject', 'route'] as const;
export type CallerCheckAction = (typeof CALLER_CHECK_ACTIONS)[number];
const action = z.enum(CALLER_CHECK_ACTIONS).default('reject');

/** STIR/SHAKEN attestation levels: A full, B partial, C gateway. */
export const ATTESTATION_LEVELS = ['A', 'B', 'C'] as const;
export type AttestationLevel = (typeof ATTESTATION_LEVELS)[number];

const rateLimit = z.object({
  /** Calls allowed within the window (the call that would exceed it fails the check). */
  max: z.int().min(1).max(100_000),
  windowSeconds: z.int().min(1).max(7 * 24 * 3600),
  action,
});

/**
 * Checks made before the flow answers. The first failing check decides (order: doNotCall,
 * attestation, callerRateLimit, triggerRateLimit). Without `callerChecks` only the do-not-call list
 * applies (action `reject`).
 */
export const callerChecksSchema = z.object({
  /**
   * STIR/SHAKEN policy: the caller id's attestation must be one of `accept` (e.g. `['A']` = "require
   * A", `['A','B']` = "require A or B"); leave the key out to allow all. With `requireVerified`
   * the carrier must also have verified the signature. `unknown` is what to do when the carrier
   * reported nothing (no Telnyx `call.initiated` yet, or no attestation): `allow` or `apply` the policy.
   */
  attestation: z
    .object({
      accept: z.array(z.enum(ATTESTATION_LEVELS)).min(1, 'accept: list at least one level (leave attestation out to allow all)'),
      requireVerified: z.boolean().default(false),
      unknown: z.enum(['allow', 'apply']).default('allow'),
      action,
    })
    .optional(),
  /** At most `max` calls from one caller number to this trigger per window. */
  callerRateLimit: rateLimit.optional(),
  /** At most `max` calls to this trigger per window (all callers). */
  triggerRateLimit: rateLimit.optional(),
  /** The workspace's do-not-call list (`/api/do-not-call`): what to do with a listed caller. */
  doNotCall: z.object({ action }).optional(),
});
export type CallerChecks = z.output<typeof callerChecksSchema>;

/**
 * How LiveKit SIP accepts calls for the trigger's number (its inbound trunk): from these source
 * addresses (IPs or CIDR ranges, e.g. Telnyx's signalling ranges) and/or with digest auth. With
 * neither, any source may call the number.
 */
export const sipTrunkSettingsSchema = z
  .object({
    allowedAddresses: z.array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or CIDR range')).max(100).default([]),
    authUsername: z.string().min(1).max(200).optional(),
    authPassword: z.string().min(1).max(200).optional(),
  })
  .refine((value) => !value.authUsername === !value.authPassword, { message: 'authUsername and authPassword go together', path: ['authPassword'] });
export type SipTrunkSettings = z.output<typeof sipTrunkSettingsSchema>;

/** The trigger settings; unknown keys are kept (other parts of the app own them). */
export const triggerSettings = z.looseObject({
  sip: sipTrunkSettingsSchema.optional(),
  callerChecks: callerChecksSchema.optional(),
});
export type TriggerSettings = z.output<typeof triggerSettings>;
