/**
 * What a phone number stores in its `settings` besides the flow: a greeting, a voice, call
 * recording and business hours. Business hours use the Business hours node's own schema, so a
 * number's hours and a flow's hours are written and checked the same way.
 */
import { businessHours, WEEKDAYS, type FlowProblem } from '@switchboard/flow-model';
import { readWeeklyHours, type WeeklyHours } from '../business-hours/weekly-hours-editor';

/** A phone number's settings as the form edits them. */
export interface TriggerSettings {
  /** Said when the call is answered, before the flow starts. */
  greeting: string;
  /** Text-to-speech voice for this number; empty for the default. */
  voice: string;
  /** Preferred speech and recognition providers ('' = the media worker's own order). */
  ttsProvider: string;
  sttProvider: string;
  /** BCP 47 language of prompts and recognition; empty for the default. */
  language: string;
  recordCalls: boolean;
  /** Played before a recorded call; empty for the default notice. */
  recordingConsentPrompt: string;
  hours: {
    enabled: boolean;
    timeZone: string;
    weekly: WeeklyHours;
    /** Said outside business hours, before hanging up. */
    closedMessage: string;
  };
}

const nineToFive = (): WeeklyHours =>
  Object.fromEntries(WEEKDAYS.map((day) => [day, day === 'sat' || day === 'sun' ? [] : [{ open: '09:00', close: '17:00' }]])) as WeeklyHours;

const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** Reads stored settings (anything) into the form's shape, with sensible starting values. */
export function readTriggerSettings(settings: Record<string, unknown> | undefined): TriggerSettings {
  const hours = settings?.businessHours && typeof settings.businessHours === 'object' ? (settings.businessHours as Record<string, unknown>) : undefined;
  return {
    greeting: str(settings?.greeting),
    voice: str(settings?.voice),
    ttsProvider: str(settings?.ttsProvider),
    sttProvider: str(settings?.sttProvider),
    language: str(settings?.language),
    recordCalls: settings?.recordCalls === true,
    recordingConsentPrompt: str(settings?.recordingConsentPrompt),
    hours: {
      enabled: hours !== undefined && hours.enabled !== false,
      timeZone: str(hours?.timeZone) || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
      weekly: hours?.weekly && typeof hours.weekly === 'object' ? readWeeklyHours(hours.weekly as Record<string, unknown>) : nineToFive(),
      closedMessage: str(hours?.closedMessage),
    },
  };
}

/** The settings as stored: empty values left out; hours only when switched on. */
export function writeTriggerSettings(settings: TriggerSettings): Record<string, unknown> {
  return {
    ...(settings.greeting.trim() ? { greeting: settings.greeting.trim() } : {}),
    ...(settings.voice.trim() ? { voice: settings.voice.trim() } : {}),
    ...(settings.ttsProvider ? { ttsProvider: settings.ttsProvider } : {}),
    ...(settings.sttProvider ? { sttProvider: settings.sttProvider } : {}),
    ...(settings.language.trim() ? { language: settings.language.trim() } : {}),
    ...(settings.recordCalls ? { recordCalls: true } : {}),
    ...(settings.recordCalls && settings.recordingConsentPrompt.trim() ? { recordingConsentPrompt: settings.recordingConsentPrompt.trim() } : {}),
    ...(settings.hours.enabled
      ? {
          businessHours: {
            timeZone: settings.hours.timeZone,
            weekly: settings.hours.weekly,
            ...(settings.hours.closedMessage.trim() ? { closedMessage: settings.hours.closedMessage.trim() } : {}),
          },
        }
      : {}),
  };
}

/** Problems with the business hours, by dotted path under the hours (`weekly.mon.0.close`, `timeZone`). */
export function checkHours(settings: TriggerSettings): Pick<FlowProblem, 'field' | 'message'>[] {
  if (!settings.hours.enabled) return [];
  const result = businessHours.config.safeParse({ timeZone: settings.hours.timeZone, weekly: settings.hours.weekly });
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
}

/** One line about the settings, for the list of numbers. */
export function describeSettings(settings: Record<string, unknown>): string {
  const read = readTriggerSettings(settings);
  const parts = [
    read.greeting && 'greeting',
    read.voice && `voice ${read.voice}`,
    read.recordCalls && 'recorded',
    settings.businessHours ? `hours in ${read.hours.timeZone}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'Defaults';
}
