/**
 * Settings of a phone trigger (`phone_triggers.settings`): how calls to a number sound and what is
 * kept of them. Read at call start (api/start-call.ts) and carried in the call workflow's input.
 * Every key is optional; keys this schema does not know are kept (other features add theirs).
 */
import { z } from 'zod';
import { STT_PROVIDERS, TTS_PROVIDERS } from './node-types/shared';

/** What a caller hears before a recorded call when the trigger sets no prompt of its own. */
export const DEFAULT_RECORDING_CONSENT_PROMPT = 'This call may be recorded for quality and training purposes.';

export const triggerSettings = z
  .object({
    greeting: z.string().trim().min(1).optional(),
    /** Voice name of the chosen speech provider (e.g. an espeak-ng voice or an ElevenLabs voice id). */
    voice: z.string().trim().min(1).optional(),
    /** Preferred speech provider; the media worker's other providers follow as fallbacks. */
    ttsProvider: z.enum(TTS_PROVIDERS, { message: `ttsProvider is one of ${TTS_PROVIDERS.join(', ')}` }).optional(),
    /** Preferred recognition provider; the media worker's other providers follow as fallbacks. */
    sttProvider: z.enum(STT_PROVIDERS, { message: `sttProvider is one of ${STT_PROVIDERS.join(', ')}` }).optional(),
    /** BCP 47 language of prompts and recognition, e.g. `en-US`. */
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'language is a BCP 47 tag such as en-US')
      .optional(),
    /** Record both sides of every call to this number (after the consent prompt). */
    recordCalls: z.boolean().optional(),
    /** Played before recording starts; a default notice is used when absent. */
    recordingConsentPrompt: z.string().trim().min(1).max(500).optional(),
  })
  .loose();

export type TriggerSettings = z.output<typeof triggerSettings>;
