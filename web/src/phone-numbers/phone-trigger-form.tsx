import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { CountryCode } from 'libphonenumber-js/max';
import { ApiError, errorMessage } from '../api/client';
import { useSavePhoneTrigger } from '../api/phone-triggers';
import type { FlowSummary, PhoneTrigger } from '../api/types';
import { TimeZoneSelect } from '../business-hours/time-zone-select';
import { WeeklyHoursEditor } from '../business-hours/weekly-hours-editor';
import { useToast } from '../components/toast-context';
import { CountrySelect } from './country-select';
import { checkPhoneNumber, formatPhoneNumber } from './phone-number';
import { CallerChecksFields, readCallerChecks, writeCallerChecks } from './caller-checks-fields';
import { checkHours, checkSettings, keptSettings, readTriggerSettings, writeTriggerSettings, type TriggerSettings } from './trigger-settings';
import { PromptPreviewButton } from '../editor/form/prompt-preview-button';
import { STT_PROVIDERS, TTS_PROVIDERS } from '@switchboard/flow-model';

const PROVIDER_NAMES: Record<string, string> = {
  espeak: 'eSpeak (built in)',
  elevenlabs: 'ElevenLabs',
  openai: 'OpenAI',
  pocketsphinx: 'PocketSphinx (built in)',
  deepgram: 'Deepgram',
};

/** Props of {@link PhoneTriggerForm}. */
export interface PhoneTriggerFormProps {
  /** The number being edited; absent when adding one. */
  trigger?: PhoneTrigger;
  flows: readonly FlowSummary[];
  /** Numbers already taken by other triggers (E.164). */
  takenNumbers: readonly string[];
  onDone(): void;
}

/** The browser's region (`en-US` → `US`), the likeliest country for a number typed without +. */
function defaultCountry(): CountryCode {
  const region = navigator.language.split('-')[1]?.toUpperCase();
  return (region && /^[A-Z]{2}$/.test(region) ? region : 'US') as CountryCode;
}

/**
 * Adds or edits a phone number: the number (any common format, checked as you type and shown as
 * it will be stored), the flow it runs, whether it answers, and its greeting, voice, recording
 * and business hours.
 */
export function PhoneTriggerForm({ trigger, flows, takenNumbers, onDone }: PhoneTriggerFormProps) {
  const id = useId();
  const toast = useToast();
  const save = useSavePhoneTrigger();
  const [country, setCountry] = useState<CountryCode>(defaultCountry);
  const [number, setNumber] = useState(trigger ? formatPhoneNumber(trigger.phoneNumber) : '');
  const [flowId, setFlowId] = useState(trigger?.flowId ?? flows[0]?.id ?? '');
  const [enabled, setEnabled] = useState(trigger?.enabled ?? true);
  const [settings, setSettings] = useState<TriggerSettings>(() => readTriggerSettings(trigger?.settings));
  const [callerChecks, setCallerChecks] = useState(() => readCallerChecks(trigger?.settings?.callerChecks));
  const checksResult = writeCallerChecks(callerChecks);
  const [submitted, setSubmitted] = useState(false);
  const [numberTouched, setNumberTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});

  const phone = checkPhoneNumber(number, country);
  const taken = phone.ok && takenNumbers.includes(phone.e164) && phone.e164 !== trigger?.phoneNumber;
  const numberError = !phone.ok ? phone.message : taken ? 'This number already runs a flow; edit that entry instead.' : serverErrors.phoneNumber;
  const flowError = flowId ? serverErrors.flowId : 'Choose the flow callers go through.';
  const hourProblems = useMemo(() => checkHours(settings), [settings]);
  const settingProblems = useMemo(() => checkSettings(settings), [settings]);
  /** The problem with a setting: the form's own check, else what the server said. */
  const problemOf = (key: string) => settingProblems[key] ?? serverErrors[`settings.${key}`];
  const set = <K extends keyof TriggerSettings>(key: K, value: TriggerSettings[K]) => setSettings((s) => ({ ...s, [key]: value }));
  const flow = flows.find((f) => f.id === flowId);
  const setHours = (patch: Partial<TriggerSettings['hours']>) => setSettings((s) => ({ ...s, hours: { ...s.hours, ...patch } }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setServerErrors({});
    if (numberError || flowError || hourProblems.length || Object.keys(settingProblems).length || !phone.ok || Object.keys(checksResult.problems).length) return;
    const { callerChecks: _stored, ...kept } = keptSettings(trigger?.settings);
    save.mutate(
      { id: trigger?.id, input: { phoneNumber: phone.e164, flowId, enabled, settings: { ...kept, ...writeTriggerSettings(settings), ...(checksResult.value ? { callerChecks: checksResult.value } : {}) } } },
      {
        onSuccess: (saved) => {
          toast.show(`${formatPhoneNumber(saved.phoneNumber)} ${trigger ? 'saved' : 'now runs ' + (flow?.name ?? 'the flow')}.`, 'success');
          onDone();
        },
        onError: (error) => {
          if (error instanceof ApiError && error.code === 'numberTaken') setServerErrors({ phoneNumber: 'This number already runs a flow.' });
          else if (error instanceof ApiError && Array.isArray(error.details)) {
            const byField: Record<string, string> = {};
            for (const detail of error.details as { field?: string; message?: string }[]) {
              if (!detail.field || !detail.message) continue;
              const [top, key] = detail.field.split('.');
              byField[top === 'settings' && key ? `settings.${key}` : (top as string)] = detail.message;
            }
            setServerErrors(byField);
          }
        },
      },
    );
  };

  const showNumberError = (submitted || numberTouched) && numberError;
  return (
    <form className="card trigger-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{trigger ? `Edit ${formatPhoneNumber(trigger.phoneNumber)}` : 'Add a phone number'}</h2>
      <div className="trigger-form__grid">
        <div className={`field${showNumberError ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={`${id}-number`}>
            Phone number
          </label>
          <div className="phone-input">
            <CountrySelect id={`${id}-country`} value={country} onChange={setCountry} />
            <input
              id={`${id}-number`}
              className="input"
              type="tel"
              autoComplete="off"
              value={number}
              placeholder="+1 415 555 0100"
              aria-invalid={showNumberError ? true : undefined}
              aria-describedby={`${id}-number-help`}
              onChange={(event) => setNumber(event.target.value)}
              onBlur={() => setNumberTouched(true)}
            />
          </div>
          <div id={`${id}-number-help`} className={showNumberError ? 'field__error' : 'field__help'} role={showNumberError ? 'alert' : undefined}>
            {showNumberError
              ? numberError
              : phone.ok
                ? `Saved as ${phone.e164} (${phone.international})`
                : 'International format (+ and country code), or a local number in the chosen country.'}
          </div>
        </div>

        <div className={`field${submitted && flowError ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={`${id}-flow`}>
            Runs flow
          </label>
          <select id={`${id}-flow`} className="input" value={flowId} onChange={(event) => setFlowId(event.target.value)}>
            {!flowId && <option value="">Choose a flow…</option>}
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
                {f.latestVersion ? ` (v${f.latestVersion})` : ' (not published)'}
              </option>
            ))}
          </select>
          {submitted && flowError && <div className="field__error">{flowError}</div>}
          {flow && !flow.latestVersion && (
            <div className="field__warning">
              This flow has never been published: calls to this number fail until it is. <Link to={`/flows/${flow.id}`}>Open the flow</Link>
            </div>
          )}
        </div>
      </div>

      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        <span>Answer calls to this number</span>
      </label>

      <details className="more-settings" open={(hourProblems.length > 0 || Object.keys(settingProblems).length > 0) && submitted ? true : undefined}>
        <summary>Greeting, voice, recording and business hours</summary>
        <p className="muted">All optional. Saved with the number; the call runtime applies each setting as it gains support for it.</p>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-greeting`}>
            Greeting
          </label>
          <textarea
            id={`${id}-greeting`}
            className="input input--textarea"
            rows={2}
            value={settings.greeting}
            placeholder="This call may be recorded for quality purposes."
            onChange={(event) => setSettings((s) => ({ ...s, greeting: event.target.value }))}
          />
          <div className="field__help">Said when the call is answered, before the flow starts. Optional.</div>
        </div>
        <h3 className="trigger-form__section">Voice and speech</h3>
        <div className="trigger-form__grid">
          <SettingField id={`${id}-tts`} label="Voice provider" problem={problemOf('ttsProvider')} help="Who speaks this number’s prompts; the media worker’s other providers take over if it fails.">
            <select id={`${id}-tts`} className="input" value={settings.ttsProvider} onChange={(event) => set('ttsProvider', event.target.value)}>
              <option value="">Deployment default</option>
              {TTS_PROVIDERS.map((provider) => (
                <option key={provider} value={provider}>
                  {PROVIDER_NAMES[provider] ?? provider}
                </option>
              ))}
            </select>
          </SettingField>
          <SettingField id={`${id}-voice`} label="Voice" problem={problemOf('voice')} help="A voice of that provider; empty for its default.">
            <div className="trigger-form__voice">
              <input id={`${id}-voice`} className="input" value={settings.voice} placeholder="default" onChange={(event) => set('voice', event.target.value)} />
              <PromptPreviewButton text={settings.greeting.trim() || 'Thanks for calling. How can I help?'} voice={settings.voice.trim() || undefined} />
            </div>
          </SettingField>
          <SettingField id={`${id}-stt`} label="Recognition provider" problem={problemOf('sttProvider')} help="Who turns callers’ speech into text; the media worker’s other providers take over if it fails.">
            <select id={`${id}-stt`} className="input" value={settings.sttProvider} onChange={(event) => set('sttProvider', event.target.value)}>
              <option value="">Deployment default</option>
              {STT_PROVIDERS.map((provider) => (
                <option key={provider} value={provider}>
                  {PROVIDER_NAMES[provider] ?? provider}
                </option>
              ))}
            </select>
          </SettingField>
          <SettingField id={`${id}-language`} label="Language" problem={problemOf('language')} help="The language callers speak, e.g. en-US.">
            <input id={`${id}-language`} className="input" value={settings.language} placeholder="en-US" onChange={(event) => set('language', event.target.value)} />
          </SettingField>
        </div>

        <h3 className="trigger-form__section">Recording</h3>
        <label className="check">
          <input type="checkbox" checked={settings.recordCalls} onChange={(event) => set('recordCalls', event.target.checked)} />
          <span>Record calls</span>
        </label>
        {settings.recordCalls && (
          <SettingField
            id={`${id}-consent`}
            label="Consent prompt"
            problem={problemOf('recordingConsentPrompt')}
            help="Said first on every call, so callers know they are recorded. Required to record."
          >
            <textarea
              id={`${id}-consent`}
              className="input input--textarea"
              rows={2}
              value={settings.recordingConsentPrompt}
              placeholder="This call is recorded for quality and training."
              onChange={(event) => set('recordingConsentPrompt', event.target.value)}
            />
          </SettingField>
        )}

        <h3 className="trigger-form__section">Recovery</h3>
        <SettingField
          id={`${id}-recovery`}
          label="Recovery line"
          problem={problemOf('recoveryPrompt')}
          help="Said when another media worker takes a call over mid-step (the one holding it crashed or stalled), before that step is played again. Empty: the step is simply played again."
        >
          <input
            id={`${id}-recovery`}
            className="input"
            value={settings.recoveryPrompt}
            placeholder="Sorry about that. As I was saying:"
            onChange={(event) => set('recoveryPrompt', event.target.value)}
          />
        </SettingField>

        <h3 className="trigger-form__section">Privacy</h3>
        <label className="check">
          <input type="checkbox" checked={settings.redactTranscripts} onChange={(event) => set('redactTranscripts', event.target.checked)} />
          <span>Redact card numbers and SSNs in transcripts</span>
        </label>

        <h3 className="trigger-form__section">Limits and connection</h3>
        <div className="trigger-form__grid trigger-form__grid--3">
          <SettingField id={`${id}-max`} label="Max call duration (s)" problem={problemOf('maxCallSeconds')} help="Calls end after this. Default 3600.">
            <input id={`${id}-max`} className="input" inputMode="numeric" value={settings.maxCallSeconds} placeholder="3600" onChange={(event) => set('maxCallSeconds', event.target.value)} />
          </SettingField>
          <SettingField id={`${id}-menu-timeout`} label="Menu timeout (s)" problem={problemOf('menuTimeoutSeconds')} help="Wait for a key, unless a menu says otherwise.">
            <input id={`${id}-menu-timeout`} className="input" inputMode="numeric" value={settings.menuTimeoutSeconds} placeholder="5" onChange={(event) => set('menuTimeoutSeconds', event.target.value)} />
          </SettingField>
          <SettingField id={`${id}-listen-timeout`} label="Listen timeout (s)" problem={problemOf('listenTimeoutSeconds')} help="Wait for speech to start.">
            <input id={`${id}-listen-timeout`} className="input" inputMode="numeric" value={settings.listenTimeoutSeconds} placeholder="5" onChange={(event) => set('listenTimeoutSeconds', event.target.value)} />
          </SettingField>
        </div>
        <SettingField id={`${id}-telnyx`} label="Telnyx connection" problem={problemOf('telnyxConnectionId')} help="The Telnyx SIP connection (or Call Control application) id this number uses. See Connections.">
          <input id={`${id}-telnyx`} className="input input--mono" value={settings.telnyxConnectionId} placeholder="1684641123236054244" onChange={(event) => set('telnyxConnectionId', event.target.value)} />
        </SettingField>

        <h3 className="trigger-form__section">Business hours</h3>
        <label className="check">
          <input type="checkbox" checked={settings.hours.enabled} onChange={(event) => setHours({ enabled: event.target.checked })} />
          <span>Only answer during business hours</span>
        </label>
        {settings.hours.enabled && (
          <div className="trigger-form__hours">
            <div className="field">
              <label className="field__label" htmlFor={`${id}-tz`}>
                Time zone
              </label>
              <TimeZoneSelect id={`${id}-tz`} value={settings.hours.timeZone} onChange={(timeZone) => setHours({ timeZone })} />
              {hourProblems
                .filter((p) => p.field === 'timeZone')
                .map((p) => (
                  <div key={p.message} className="field__error">
                    {p.message}
                  </div>
                ))}
            </div>
            <WeeklyHoursEditor
              value={settings.hours.weekly}
              onChange={(weekly) => setHours({ weekly })}
              idFor={(path) => `${id}-hours-${path.join('-')}`}
              errorsAt={(path) => hourProblems.filter((p) => p.field === ['weekly', ...path].join('.')).map((p) => p.message)}
            />
            <div className="field">
              <label className="field__label" htmlFor={`${id}-closed`}>
                Outside these hours, say
              </label>
              <textarea
                id={`${id}-closed`}
                className="input input--textarea"
                rows={2}
                value={settings.hours.closedMessage}
                placeholder="We are closed. Please call again during business hours."
                onChange={(event) => setHours({ closedMessage: event.target.value })}
              />
            </div>
          </div>
        )}
      </details>

      <CallerChecksFields id={`${id}-checks`} value={callerChecks} onChange={setCallerChecks} problems={submitted ? checksResult.problems : {}} />

      {save.isError && !(save.error instanceof ApiError && save.error.status === 400) && (
        <p className="form-error" role="alert">
          {errorMessage(save.error)}
        </p>
      )}
      {submitted && hourProblems.length > 0 && (
        <p className="form-error" role="alert">
          Fix the business hours first.
        </p>
      )}
      {submitted && Object.keys(settingProblems).length > 0 && (
        <p className="form-error" role="alert">
          Fix the settings marked in red first.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : trigger ? 'Save' : 'Add number'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A labelled setting with its help, or its problem in red. */
function SettingField({ id, label, help, problem, children }: { id: string; label: string; help: string; problem: string | undefined; children: ReactNode }) {
  return (
    <div className={`field${problem ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children}
      <div className={problem ? 'field__error' : 'field__help'} role={problem ? 'alert' : undefined}>
        {problem ?? help}
      </div>
    </div>
  );
}
