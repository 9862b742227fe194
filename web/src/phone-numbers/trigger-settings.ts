/**
 * What a phone number stores in its `settings` besides the flow: a greeting, a voice, call
 * recording and business hours. Business hours use the Business hours node's own schema, so a
 * number's hours and a flow's hours are written and checked the same way.
 */
import { businessHours, triggerSettings, WEEKDAYS, type FlowProblem } from '@switchboard/flow-model';
import { readWeeklyHours, type WeeklyHours } from '../business-hours/weekly-hours-editor';

/** A phone number's settings as the form edits them. */
export interface TriggerSettings {
  /** Said when the call is answered, before the flow starts. */
  greeting: string;
  /** Text-to-speech voice for this number; empty for the default. */
  voice: string;
  /** '' for the deployment's default. */
  ttsProvider: string;
  sttProvider: string;
  language: string;
  recordCalls: boolean;
  /** Card numbers and SSNs in what callers say are replaced before they are stored (docs/privacy.md). */
  redactTranscripts: boolean;
  recordingConsentPrompt: string;
  /** Said when another media worker takes the call over mid-step (a worker crashed), before the step again. */
  recoveryPrompt: string;
  /** Numbers as typed; '' for the default. */
  maxCallSeconds: string;
  menuTimeoutSeconds: string;
  listenTimeoutSeconds: string;
  telnyxConnectionId: string;
  /** Keys this form does not edit (set by other parts of the product): kept as they are. */
  others: Record<string, unknown>;
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
const num = (value: unknown) => (typeof value === 'number' ? String(value) : '');
/** A number field as stored: a number when it reads as one, the text otherwise (so the schema says what is wrong). */
const toNumber = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text.trim());

const EDITED_KEYS = new Set([
  'greeting',
  'voice',
  'ttsProvider',
  'sttProvider',
  'language',
  'recordCalls',
  'redactTranscripts',
  'recordingConsentPrompt',
  'recoveryPrompt',
  'maxCallSeconds',
  'menuTimeoutSeconds',
  'listenTimeoutSeconds',
  'telnyxConnectionId',
  'businessHours',
]);

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
    redactTranscripts: settings?.redactTranscripts === true,
    recordingConsentPrompt: str(settings?.recordingConsentPrompt),
    recoveryPrompt: str(settings?.recoveryPrompt),
    maxCallSeconds: num(settings?.maxCallSeconds),
    menuTimeoutSeconds: num(settings?.menuTimeoutSeconds),
    listenTimeoutSeconds: num(settings?.listenTimeoutSeconds),
    telnyxConnectionId: str(settings?.telnyxConnectionId),
    others: Object.fromEntries(Object.entries(settings ?? {}).filter(([key]) => !EDITED_KEYS.has(key))),
    hours: {
      enabled: hours !== undefined && hours.enabled !== false,
      timeZone: str(hours?.timeZone) || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
      weekly: hours?.weekly && typeof hours.weekly === 'object' ? readWeeklyHours(hours.weekly as Record<string, unknown>) : nineToFive(),
      closedMessage: str(hours?.closedMessage),
    },
  };
}

/** Keys the form edits; every other stored key (`sip`, `callerChecks`, …, set through the API) is kept on save. */
export function keptSettings(settings: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings ?? {}).filter(([key]) => !EDITED_KEYS.has(key)));
}

/** The settings as stored: empty values left out; hours only when switched on. */
export function writeTriggerSettings(settings: TriggerSettings): Record<string, unknown> {
  const text = (key: string, value: string) => (value.trim() ? { [key]: value.trim() } : {});
  const number = (key: string, value: string) => (value.trim() ? { [key]: toNumber(value) } : {});
  return {
    ...settings.others,
    ...text('greeting', settings.greeting),
    ...text('ttsProvider', settings.ttsProvider),
    ...text('voice', settings.voice),
    ...text('sttProvider', settings.sttProvider),
    ...text('language', settings.language),
    ...(settings.recordCalls ? { recordCalls: true } : {}),
    ...(settings.redactTranscripts ? { redactTranscripts: true } : {}),
    ...(settings.recordCalls ? text('recordingConsentPrompt', settings.recordingConsentPrompt) : {}),
    ...text('recoveryPrompt', settings.recoveryPrompt),
    ...number('maxCallSeconds', settings.maxCallSeconds),
    ...number('menuTimeoutSeconds', settings.menuTimeoutSeconds),
    ...number('listenTimeoutSeconds', settings.listenTimeoutSeconds),
    ...text('telnyxConnectionId', settings.telnyxConnectionId),
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

/**
 * Problems with the settings as they would be stored, by their key (`recordingConsentPrompt`,
 * `maxCallSeconds`…): the shared schema the API checks with. Business hours are checked by
 * {@link checkHours}, field by field.
 */
export function checkSettings(settings: TriggerSettings): Record<string, string> {
  const { businessHours: _hours, ...rest } = writeTriggerSettings(settings);
  const result = triggerSettings.safeParse(rest);
  if (result.success) return {};
  const byKey: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? '');
    byKey[key] ??= issue.message;
  }
  return byKey;
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
