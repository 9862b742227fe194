/**
 * The "Caller checks" part of a phone number's form: STIR/SHAKEN policy, rate limits and what to
 * do with blocked callers, stored as `settings.callerChecks` (schema in
 * packages/flow-model/src/trigger-settings.ts; checks run before the flow answers).
 */
import { Link } from 'react-router';
import { callerChecksSchema, type CallerCheckAction, type CallerChecks } from '@switchboard/flow-model';

/** The form's view of the checks: strings as typed; empty limits are off. */
export interface CallerChecksForm {
  attestation: 'all' | 'A' | 'AB';
  attestationAction: CallerCheckAction;
  callerMax: string;
  callerWindowMinutes: string;
  callerAction: CallerCheckAction;
  triggerMax: string;
  triggerWindowMinutes: string;
  triggerAction: CallerCheckAction;
  doNotCallAction: CallerCheckAction;
  /** Attestation settings the form does not show (set over the API), kept as they are. */
  attestationExtra: { requireVerified?: boolean; unknown?: 'allow' | 'apply' };
}

export function readCallerChecks(value: unknown): CallerChecksForm {
  const parsed = callerChecksSchema.safeParse(value ?? {});
  const checks: CallerChecks = parsed.success ? parsed.data : {};
  const accept = checks.attestation?.accept ?? [];
  const minutes = (seconds: number | undefined) => (seconds ? String(Math.round((seconds / 60) * 100) / 100) : '');
  return {
    attestation: !checks.attestation ? 'all' : accept.includes('B') ? 'AB' : 'A',
    attestationAction: checks.attestation?.action ?? 'reject',
    callerMax: checks.callerRateLimit ? String(checks.callerRateLimit.max) : '',
    callerWindowMinutes: minutes(checks.callerRateLimit?.windowSeconds) || '5',
    callerAction: checks.callerRateLimit?.action ?? 'reject',
    triggerMax: checks.triggerRateLimit ? String(checks.triggerRateLimit.max) : '',
    triggerWindowMinutes: minutes(checks.triggerRateLimit?.windowSeconds) || '1',
    triggerAction: checks.triggerRateLimit?.action ?? 'reject',
    doNotCallAction: checks.doNotCall?.action ?? 'reject',
    attestationExtra: checks.attestation ? { requireVerified: checks.attestation.requireVerified, unknown: checks.attestation.unknown } : {},
  };
}

/** What to store, or the problem with a field (by field name). */
export function writeCallerChecks(form: CallerChecksForm): { value?: Record<string, unknown>; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const limit = (max: string, windowMinutes: string, action: CallerCheckAction, field: string) => {
    if (!max.trim()) return undefined;
    const count = Number(max);
    const minutes = Number(windowMinutes);
    if (!Number.isInteger(count) || count < 1) problems[`${field}Max`] = 'A whole number of calls, 1 or more (leave empty for no limit).';
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 7 * 24 * 60) problems[`${field}Window`] = 'Minutes, more than 0 (at most a week).';
    return { max: count, windowSeconds: Math.max(1, Math.round(minutes * 60)), action };
  };
  const callerRateLimit = limit(form.callerMax, form.callerWindowMinutes, form.callerAction, 'caller');
  const triggerRateLimit = limit(form.triggerMax, form.triggerWindowMinutes, form.triggerAction, 'trigger');
  const value = {
    ...(form.attestation !== 'all' ? { attestation: { ...form.attestationExtra, accept: form.attestation === 'A' ? ['A'] : ['A', 'B'], action: form.attestationAction } } : {}),
    ...(callerRateLimit ? { callerRateLimit } : {}),
    ...(triggerRateLimit ? { triggerRateLimit } : {}),
    ...(form.doNotCallAction !== 'reject' ? { doNotCall: { action: form.doNotCallAction } } : {}),
  };
  return Object.keys(problems).length ? { problems } : { value: Object.keys(value).length ? value : undefined, problems };
}

function ActionSelect({ id, value, onChange, label }: { id: string; value: CallerCheckAction; onChange(value: CallerCheckAction): void; label: string }) {
  return (
    <select id={id} className="input" aria-label={label} value={value} onChange={(event) => onChange(event.target.value as CallerCheckAction)}>
      <option value="reject">refuse the call</option>
      <option value="route">run the flow with call.screening set</option>
    </select>
  );
}

export function CallerChecksFields({ id, value, onChange, problems }: { id: string; value: CallerChecksForm; onChange(value: CallerChecksForm): void; problems: Record<string, string> }) {
  const set = (patch: Partial<CallerChecksForm>) => onChange({ ...value, ...patch });
  const error = (field: string) => problems[field] && <div className="field__error">{problems[field]}</div>;
  return (
    <fieldset className="caller-checks">
      <legend>Caller checks</legend>
      <p className="muted">
        Checked before the flow answers. “Run the flow” sets <code>call.screening</code> to the failed check, for a Branch step to route on.
      </p>
      <div className="trigger-form__grid">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-stir`}>
            Caller ID attestation (STIR/SHAKEN)
          </label>
          <select id={`${id}-stir`} className="input" value={value.attestation} onChange={(event) => set({ attestation: event.target.value as CallerChecksForm['attestation'] })}>
            <option value="all">Allow all</option>
            <option value="A">Require A</option>
            <option value="AB">Require A or B</option>
          </select>
        </div>
        {value.attestation !== 'all' && (
          <div className="field">
            <label className="field__label" htmlFor={`${id}-stir-action`}>
              Otherwise
            </label>
            <ActionSelect id={`${id}-stir-action`} label="When the attestation fails" value={value.attestationAction} onChange={(attestationAction) => set({ attestationAction })} />
          </div>
        )}
      </div>
      {(
        [
          ['caller', 'Calls per caller', 'callerMax', 'callerWindowMinutes', 'callerAction'],
          ['trigger', 'Calls to this number', 'triggerMax', 'triggerWindowMinutes', 'triggerAction'],
        ] as const
      ).map(([field, label, maxKey, windowKey, actionKey]) => (
        <div className="trigger-form__grid" key={field}>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-${field}-max`}>
              {label}
            </label>
            <input id={`${id}-${field}-max`} className="input" inputMode="numeric" placeholder="no limit" value={value[maxKey]} onChange={(event) => set({ [maxKey]: event.target.value })} />
            {error(`${field}Max`)}
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-${field}-window`}>
              per minutes
            </label>
            <input id={`${id}-${field}-window`} className="input" inputMode="decimal" value={value[windowKey]} onChange={(event) => set({ [windowKey]: event.target.value })} />
            {error(`${field}Window`)}
          </div>
          {value[maxKey].trim() !== '' && (
            <div className="field">
              <label className="field__label" htmlFor={`${id}-${field}-action`}>
                Beyond that
              </label>
              <ActionSelect id={`${id}-${field}-action`} label={`${label}: beyond the limit`} value={value[actionKey]} onChange={(action) => set({ [actionKey]: action })} />
            </div>
          )}
        </div>
      ))}
      <div className="field">
        <label className="field__label" htmlFor={`${id}-dnc-action`}>
          <Link to="/numbers/blocked">Blocked callers</Link>
        </label>
        <ActionSelect id={`${id}-dnc-action`} label="Blocked callers" value={value.doNotCallAction} onChange={(doNotCallAction) => set({ doNotCallAction })} />
      </div>
    </fieldset>
  );
}
