import type { FlowProblem } from '@switchboard/flow-model';
import { describedBy, FieldFrame } from './field-frame';

/** Props of {@link JsonSettingField}. */
export interface JsonSettingFieldProps {
  id: string;
  label: string;
  help?: string;
  problems: readonly FlowProblem[];
  value: unknown;
  onChange(value: unknown): void;
}

/** Settings the form has no editor for are edited as JSON. */
export function JsonSettingField(props: JsonSettingFieldProps) {
  const { id, label, help, problems, value, onChange } = props;
  return (
    <FieldFrame inputId={id} label={`${label} (JSON)`} help={help} problems={problems}>
      <textarea
        id={id}
        className="input input--textarea input--mono"
        rows={4}
        defaultValue={value === undefined ? '' : JSON.stringify(value, null, 2)}
        aria-describedby={describedBy(id, help, problems)}
        onBlur={(event) => {
          const text = event.target.value.trim();
          if (!text) return onChange(undefined);
          try {
            onChange(JSON.parse(text));
          } catch {
            event.target.setCustomValidity('Not valid JSON');
            event.target.reportValidity();
          }
        }}
        onInput={(event) => event.currentTarget.setCustomValidity('')}
      />
    </FieldFrame>
  );
}
