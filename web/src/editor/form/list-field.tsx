import type { FlowProblem } from '@switchboard/flow-model';
import type { FieldUi } from '../node-types';
import { Icon, icons } from '../../components/icon';
import { fieldId, type FieldPath } from './field-path';
import type { JsonSchema } from './json-schema';
import { fieldUiKey, SettingField } from './setting-field';
import { SettingsForm } from './settings-form';

/** Props of {@link ListField}. */
export interface ListFieldProps {
  nodeId: string;
  path: FieldPath;
  label: string;
  help?: string;
  itemSchema: JsonSchema;
  value: unknown;
  maxItems?: number;
  fields?: Readonly<Record<string, FieldUi>>;
  problems: readonly FlowProblem[];
  onChange(path: FieldPath, value: unknown): void;
}

/** A starting value for a new list item. */
function blankItem(schema: JsonSchema): unknown {
  if (schema.type === 'object') {
    return Object.fromEntries((schema.required ?? []).map((key) => [key, blankItem(schema.properties?.[key] ?? {})]));
  }
  if (schema.default !== undefined) return schema.default;
  if (schema.type === 'string') return schema.enum?.[0] ?? '';
  if (schema.type === 'number' || schema.type === 'integer') return schema.minimum ?? 0;
  if (schema.type === 'boolean') return false;
  if (schema.type === 'array') return [];
  return null;
}

/** Any list setting: items edited in place, added, removed and reordered. */
export function ListField({ nodeId, path, label, help, itemSchema, value, maxItems, fields, problems, onChange }: ListFieldProps) {
  const items = Array.isArray(value) ? (value as unknown[]) : [];
  const dotted = path.join('.');
  const own = problems.filter((problem) => problem.field === dotted);
  const set = (next: unknown[]) => onChange(path, next);
  // A plain item ("Transfer to 2") keeps the list's placeholder, not its label and help.
  const listUi = fields?.[fieldUiKey(path)];
  const itemFields = { ...fields, [fieldUiKey(path)]: listUi?.placeholder ? { placeholder: listUi.placeholder } : {} };
  const move = (from: number, to: number) => {
    const next = [...items];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item);
    set(next);
  };
  return (
    <fieldset className={`fieldset${own.length ? ' field--invalid' : ''}`} id={fieldId(nodeId, path)} tabIndex={-1}>
      <legend>{label}</legend>
      {help && <p className="field__help">{help}</p>}
      {own.length > 0 && <p className="field__error">{own.map((problem) => problem.message).join(' · ')}</p>}
      <ol className="list-field">
        {items.map((item, index) => (
          <li key={index} className="list-field__item">
            <div className="list-field__body">
              {itemSchema.type === 'object' ? (
                <SettingsForm
                  nodeId={nodeId}
                  basePath={[...path, index]}
                  schema={itemSchema}
                  value={item}
                  fields={fields}
                  problems={problems}
                  onChange={onChange}
                />
              ) : (
                <SettingField
                  nodeId={nodeId}
                  path={[...path, index]}
                  schema={{ ...itemSchema, title: `${label} ${index + 1}` }}
                  required
                  value={item}
                  fields={itemFields}
                  problems={problems}
                  onChange={onChange}
                />
              )}
            </div>
            <div className="list-field__actions">
              <button type="button" className="icon-button" aria-label={`Move item ${index + 1} up`} disabled={index === 0} onClick={() => move(index, index - 1)}>
                <Icon path={icons.up} />
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Move item ${index + 1} down`}
                disabled={index === items.length - 1}
                onClick={() => move(index, index + 1)}
              >
                <Icon path={icons.down} />
              </button>
              <button type="button" className="icon-button" aria-label={`Remove item ${index + 1}`} onClick={() => set(items.filter((_, i) => i !== index))}>
                <Icon path={icons.trash} />
              </button>
            </div>
          </li>
        ))}
      </ol>
      <button
        type="button"
        className="button button--small"
        disabled={maxItems !== undefined && items.length >= maxItems}
        onClick={() => set([...items, blankItem(itemSchema)])}
      >
        <Icon path={icons.plus} /> Add
      </button>
    </fieldset>
  );
}
