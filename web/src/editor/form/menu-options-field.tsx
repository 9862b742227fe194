import { MENU_DIGITS, type FlowProblem } from '@switchboard/flow-model';
import { Icon, icons } from '../../components/icon';
import { lowerCamel } from '../../lib/text';
import { fieldId, type FieldPath } from './field-path';

/** Props of {@link MenuOptionsField}. */
export interface MenuOptionsFieldProps {
  nodeId: string;
  path: FieldPath;
  label: string;
  help?: string;
  value: unknown;
  problems: readonly FlowProblem[];
  onChange(path: FieldPath, value: unknown): void;
}

interface Option {
  id: string;
  digit: string;
  label: string;
}

const MAX_OPTIONS = 12;

function readOptions(value: unknown): Option[] {
  if (!Array.isArray(value)) return [];
  return value.map((item: unknown) => {
    const o = (item && typeof item === 'object' ? item : {}) as Partial<Record<keyof Option, unknown>>;
    return { id: typeof o.id === 'string' ? o.id : '', digit: typeof o.digit === 'string' ? o.digit : '', label: typeof o.label === 'string' ? o.label : '' };
  });
}

/** An option's exit name follows its label until someone edits the exit name by hand. */
function idFollowsLabel(option: Option): boolean {
  return option.id === '' || option.id === lowerCamel(option.label) || /^option\d+$/.test(option.id);
}

function exitNameFor(label: string, index: number): string {
  const id = lowerCamel(label);
  return /^[A-Za-z]/.test(id) ? id.slice(0, 40) : `option${index + 1}`;
}

/**
 * The menu's options as a table: the key the caller presses, the option's name, and the exit it
 * leaves by (its id, kept in step with the name). Renaming an exit keeps its connection.
 */
export function MenuOptionsField({ nodeId, path, label, help, value, problems, onChange }: MenuOptionsFieldProps) {
  const options = readOptions(value);
  const dotted = path.join('.');
  const own = problems.filter((problem) => problem.field === dotted);
  const at = (index: number, key: keyof Option) => problems.filter((problem) => problem.field === `${dotted}.${index}.${key}`);
  const set = (next: Option[]) => onChange(path, next);
  const update = (index: number, patch: Partial<Option>) =>
    set(
      options.map((option, i) => {
        if (i !== index) return option;
        const next = { ...option, ...patch };
        if (patch.label !== undefined && idFollowsLabel(option)) next.id = exitNameFor(patch.label, index);
        return next;
      }),
    );
  const add = () => {
    const used = new Set(options.map((option) => option.digit));
    const digit = MENU_DIGITS.find((d) => d !== '0' && !used.has(d)) ?? MENU_DIGITS.find((d) => !used.has(d)) ?? '0';
    let n = options.length + 1;
    while (options.some((option) => option.id === `option${n}`)) n++;
    set([...options, { id: `option${n}`, digit, label: `Option ${n}` }]);
  };
  const move = (from: number, to: number) => {
    const next = [...options];
    const [item] = next.splice(from, 1);
    if (item) next.splice(to, 0, item);
    set(next);
  };

  return (
    <fieldset className={`fieldset menu-options${own.length ? ' field--invalid' : ''}`} id={fieldId(nodeId, path)} tabIndex={-1}>
      <legend>{label}</legend>
      {help && <p className="field__help">{help}</p>}
      {own.length > 0 && <p className="field__error">{own.map((problem) => problem.message).join(' · ')}</p>}
      {options.length > 0 && (
        <div className="menu-options__head" aria-hidden="true">
          <span>Key</span>
          <span>Option</span>
          <span>Exit name</span>
          <span />
        </div>
      )}
      <ol className="menu-options__list">
        {options.map((option, index) => {
          const errors = [...at(index, 'digit'), ...at(index, 'label'), ...at(index, 'id'), ...problems.filter((p) => p.field === `${dotted}.${index}`)];
          const n = index + 1;
          return (
            <li key={index} className={`menu-options__row${errors.length ? ' field--invalid' : ''}`}>
              <select
                id={fieldId(nodeId, [...path, index, 'digit'])}
                className="input menu-options__digit"
                aria-label={`Option ${n} key`}
                aria-invalid={at(index, 'digit').length > 0 || undefined}
                value={option.digit}
                onChange={(event) => update(index, { digit: event.target.value })}
              >
                {!MENU_DIGITS.includes(option.digit as (typeof MENU_DIGITS)[number]) && <option value={option.digit}>?</option>}
                {MENU_DIGITS.map((digit) => (
                  <option key={digit} value={digit}>
                    {digit}
                  </option>
                ))}
              </select>
              <input
                id={fieldId(nodeId, [...path, index, 'label'])}
                className="input"
                aria-label={`Option ${n} name`}
                aria-invalid={at(index, 'label').length > 0 || undefined}
                value={option.label}
                placeholder="Sales"
                onChange={(event) => update(index, { label: event.target.value })}
              />
              <input
                id={fieldId(nodeId, [...path, index, 'id'])}
                className="input input--mono"
                aria-label={`Option ${n} exit name`}
                aria-invalid={at(index, 'id').length > 0 || undefined}
                value={option.id}
                maxLength={40}
                onChange={(event) => update(index, { id: event.target.value.replace(/\s+/g, '') })}
              />
              <div className="menu-options__actions">
                <button type="button" className="icon-button" aria-label={`Move option ${n} up`} disabled={index === 0} onClick={() => move(index, index - 1)}>
                  <Icon path={icons.up} />
                </button>
                <button type="button" className="icon-button" aria-label={`Remove option ${n}`} onClick={() => set(options.filter((_, i) => i !== index))}>
                  <Icon path={icons.trash} />
                </button>
              </div>
              {errors.length > 0 && (
                <div className="field__error menu-options__error" role="status">
                  {errors.map((problem) => problem.message).join(' · ')}
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <button type="button" className="button button--small" disabled={options.length >= MAX_OPTIONS} onClick={add}>
        <Icon path={icons.plus} /> Add option
      </button>
    </fieldset>
  );
}
