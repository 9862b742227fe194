import type { ReactNode } from 'react';
import type { FlowProblem } from '@switchboard/flow-model';

/** Props of {@link FieldFrame}. */
export interface FieldFrameProps {
  /** The id of the input, which the label points at. */
  inputId: string;
  label: string;
  help?: string;
  /** Problems the validator reported on exactly this setting. */
  problems: readonly FlowProblem[];
  required?: boolean;
  /** Text after the input, such as a unit. */
  suffix?: string;
  /** Under the input, before the messages (e.g. variable hints). */
  below?: ReactNode;
  children: ReactNode;
}

/** Ids of a field's help and error text, for `aria-describedby`. */
export function describedBy(inputId: string, help: string | undefined, problems: readonly FlowProblem[]): string | undefined {
  const ids = [problems.length ? `${inputId}-error` : '', help ? `${inputId}-help` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

/** A setting's label, input, unit, validator messages and help text, in that order. */
export function FieldFrame({ inputId, label, help, problems, required, suffix, below, children }: FieldFrameProps) {
  return (
    <div className={`field${problems.length ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={inputId}>
        {label}
        {required && <span className="field__required" aria-hidden="true"> *</span>}
      </label>
      <div className="field__control">
        {children}
        {suffix && <span className="field__suffix">{suffix}</span>}
      </div>
      {below}
      {problems.length > 0 && (
        <div id={`${inputId}-error`} className="field__error">
          {problems.map((problem) => problem.message).join(' · ')}
        </div>
      )}
      {help && (
        <div id={`${inputId}-help`} className="field__help">
          {help}
        </div>
      )}
    </div>
  );
}
