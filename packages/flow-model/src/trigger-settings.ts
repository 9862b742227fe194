/**
 * A phone number's settings (`phone_triggers.settings`): how its calls are answered, spoken to,
 * heard, recorded and limited. One schema for the API (which refuses bad settings with the field's
 * path), the builder's form and the code that reads them at call start. Every key is optional.
 * Unknown keys are kept (other parts of the product add their own).
 */
import { z } from 'zod';
import { businessHours } from './node-types/business-hours';

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
    allowedAddresses: z.array(z.string().max(50).regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or CIDR range')).max(100).default([]),
    authUsername: z.string().min(1).max(200).optional(),
    /** Sent by clients; the API stores it encrypted (`authPasswordSealed`) and never returns it. */
    authPassword: z.string().min(1).max(200).optional(),
    /** The password as the API stores it (AES-256-GCM with the installation's secret key). */
    authPasswordSealed: z.string().max(1000).optional(),
    /**
     * Answered by the API instead of the password. Sent back on a save (as the number form does), it
     * means "keep the stored password"; the API refuses it when there is none to keep.
     */
    authPasswordSet: z.boolean().optional(),
  })
  .refine((value) => !value.authUsername === !(value.authPassword || value.authPasswordSealed || value.authPasswordSet), { message: 'authUsername and authPassword go together', path: ['authPassword'] });
export type SipTrunkSettings = z.output<typeof sipTrunkSettingsSchema>;

/** Speech synthesis providers a number or a node may choose (the media worker needs their keys). */
export const TTS_PROVIDERS = ['espeak', 'elevenlabs', 'openai'] as const;
/** Speech recognition providers a number or a node may choose. */
export const STT_PROVIDERS = ['pocketsphinx', 'deepgram', 'openai'] as const;

/**
 * What a caller hears before a recorded call when the settings carry no prompt. New settings must
 * have one (see the rule below); this covers settings saved before that rule.
 */
export const DEFAULT_RECORDING_CONSENT_PROMPT = 'This call may be recorded for quality and training purposes.';

/** A BCP-47 language tag such as en-US, fr or pt-BR. */
const languageTag = z
  .string()
  .trim()
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'Use a language tag such as en-US, fr or pt-BR');

const seconds = (min: number, max: number, what: string) =>
  z
    .number({ message: `${what} must be a number of seconds` })
    .int(`${what} must be whole seconds`)
    .min(min, `${what} must be at least ${min} seconds`)
    .max(max, `${what} must be at most ${max} seconds`);

export const triggerSettings = z
  .looseObject({
    /** Said when the call is answered, before the flow starts (may use {{variables}}). */
    greeting: z.string().max(1000, 'The greeting is too long (at most 1000 characters)').optional(),
    /** Text-to-speech provider of this number's calls; the media worker's other providers follow as fallbacks. Unset, the deployment's default. */
    ttsProvider: z.enum(TTS_PROVIDERS, { message: `Choose one of ${TTS_PROVIDERS.join(', ')}` }).optional(),
    /** Voice of that provider (e.g. en-us for espeak, a voice id for ElevenLabs); unset, its default. */
    voice: z.string().trim().max(120).optional(),
    /** Speech recognition provider; the media worker's other providers follow as fallbacks. Unset, the deployment's default. */
    sttProvider: z.enum(STT_PROVIDERS, { message: `Choose one of ${STT_PROVIDERS.join(', ')}` }).optional(),
    /** Language callers speak (BCP-47). */
    language: languageTag.optional(),
    /** Record both sides of whole calls (after the consent prompt); needs a consent prompt. */
    recordCalls: z.boolean().optional(),
    /** Said before anything else when calls are recorded. */
    recordingConsentPrompt: z.string().trim().max(1000).optional(),
    /** Calls are ended after this long. */
    maxCallSeconds: seconds(30, 4 * 3600, 'The maximum call duration').optional(),
    /** How long a menu waits for a key, unless the menu says otherwise. */
    menuTimeoutSeconds: seconds(1, 60, 'The menu timeout').optional(),
    /** How long a listen step waits for speech to start, unless the step says otherwise. */
    listenTimeoutSeconds: seconds(1, 60, 'The listen timeout').optional(),
    /** The Telnyx connection (SIP connection / call control application id) the number uses. */
    telnyxConnectionId: z.string().trim().max(64).optional(),
    /** Only answer in these hours; outside them, say `closedMessage` and hang up. */
    businessHours: businessHours.config.extend({ closedMessage: z.string().max(1000).optional() }).optional(),
    /** Remove personal data from stored transcripts. */
    redactTranscripts: z.boolean().optional(),
    /**
     * Said after a call moved to another media worker (one failed), before the interrupted step
     * starts again, e.g. "Sorry about that. As I was saying:". Unset, the step just starts again.
     */
    recoveryPrompt: z.string().trim().max(300, 'The recovery line is too long (at most 300 characters)').optional(),
    /** How LiveKit SIP accepts this number's calls (its inbound trunk). */
    sip: sipTrunkSettingsSchema.optional(),
    /** Checks made before the flow answers (STIR/SHAKEN, rate limits, do-not-call). */
    callerChecks: callerChecksSchema.optional(),
  })
  .superRefine((settings, context) => {
    if (settings.recordCalls === true && !settings.recordingConsentPrompt?.trim()) {
      context.addIssue({
        code: 'custom',
        path: ['recordingConsentPrompt'],
        message: 'Recording calls needs a consent prompt that tells callers they are recorded',
      });
    }
  });

export type TriggerSettings = z.output<typeof triggerSettings>;
