import { useId, useMemo, useState, type FormEvent } from 'react';
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
import { checkHours, readTriggerSettings, writeTriggerSettings, type TriggerSettings } from './trigger-settings';
import { DEFAULT_RECORDING_CONSENT_PROMPT, STT_PROVIDERS, TTS_PROVIDERS } from '@switchboard/flow-model';

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
  const [submitted, setSubmitted] = useState(false);
  const [numberTouched, setNumberTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});

  const phone = checkPhoneNumber(number, country);
  const taken = phone.ok && takenNumbers.includes(phone.e164) && phone.e164 !== trigger?.phoneNumber;
  const numberError = !phone.ok ? phone.message : taken ? 'This number already runs a flow; edit that entry instead.' : serverErrors.phoneNumber;
  const flowError = flowId ? serverErrors.flowId : 'Choose the flow callers go through.';
  const hourProblems = useMemo(() => checkHours(settings), [settings]);
  const flow = flows.find((f) => f.id === flowId);
  const setHours = (patch: Partial<TriggerSettings['hours']>) => setSettings((s) => ({ ...s, hours: { ...s.hours, ...patch } }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setServerErrors({});
    if (numberError || flowError || hourProblems.length || !phone.ok) return;
    save.mutate(
      { id: trigger?.id, input: { phoneNumber: phone.e164, flowId, enabled, settings: writeTriggerSettings(settings) } },
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
              if (detail.field && detail.message) byField[detail.field.split('.')[0] as string] = detail.message;
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

      <details className="more-settings" open={hourProblems.length > 0 && submitted ? true : undefined}>
        <summary>Greeting, voice, recording and business hours</summary>
        <p className="muted">Saved with the number. Calls use the voice, providers, language and recording now; the greeting and business hours are not applied yet.</p>
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
        <div className="trigger-form__grid">
          <div className="field">
            <label className="field__label" htmlFor={`${id}-voice`}>
              Voice
            </label>
            <input
              id={`${id}-voice`}
              className="input"
              value={settings.voice}
              placeholder="default"
              onChange={(event) => setSettings((s) => ({ ...s, voice: event.target.value }))}
            />
            <div className="field__help">Text-to-speech voice for this number’s calls.</div>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-tts`}>
              Speech provider
            </label>
            <select id={`${id}-tts`} className="input" value={settings.ttsProvider} onChange={(event) => setSettings((s) => ({ ...s, ttsProvider: event.target.value }))}>
              <option value="">Media worker default</option>
              {TTS_PROVIDERS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <div className="field__help">Tried first; the worker’s other providers take over if it fails.</div>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-stt`}>
              Recognition provider
            </label>
            <select id={`${id}-stt`} className="input" value={settings.sttProvider} onChange={(event) => setSettings((s) => ({ ...s, sttProvider: event.target.value }))}>
              <option value="">Media worker default</option>
              {STT_PROVIDERS.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-language`}>
              Language
            </label>
            <input id={`${id}-language`} className="input" value={settings.language} placeholder="en-US" onChange={(event) => setSettings((s) => ({ ...s, language: event.target.value }))} />
          </div>
          <label className="check check--spaced">
            <input type="checkbox" checked={settings.recordCalls} onChange={(event) => setSettings((s) => ({ ...s, recordCalls: event.target.checked }))} />
            <span>Record calls</span>
          </label>
        </div>
        {settings.recordCalls && (
          <div className="field">
            <label className="field__label" htmlFor={`${id}-consent`}>
              Recording notice
            </label>
            <textarea
              id={`${id}-consent`}
              className="input input--textarea"
              rows={2}
              value={settings.recordingConsentPrompt}
              placeholder={DEFAULT_RECORDING_CONSENT_PROMPT}
              onChange={(event) => setSettings((s) => ({ ...s, recordingConsentPrompt: event.target.value }))}
            />
            <div className="field__help">Played before recording starts; both sides of the call are recorded.</div>
          </div>
        )}
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
