import type { FlowProblem } from '@switchboard/flow-model';
import { TimeZoneSelect } from '../../business-hours/time-zone-select';
import { WeeklyHoursEditor } from '../../business-hours/weekly-hours-editor';
import { humanize } from '../../lib/text';
import type { FieldUi } from '../node-types';
import { AudioAssetField } from './audio-asset-field';
import { describedBy, FieldFrame } from './field-frame';
import { fieldId, type FieldPath } from './field-path';
import type { JsonSchema } from './json-schema';
import { JsonSettingField } from './json-setting-field';
import { ListField } from './list-field';
import { MenuOptionsField } from './menu-options-field';
import { NumberInput } from './number-input';
import { PromptPreviewButton } from './prompt-preview-button';
import { SettingsForm } from './settings-form';
import { useVariableHints, VariableHints } from './variable-hints';

/** Props of {@link SettingField}. */
export interface SettingFieldProps {
  nodeId: string;
  /** Path from the settings root. */
  path: FieldPath;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  /** The node type's field overrides (see {@link fieldUiKey}). */
  fields?: Readonly<Record<string, FieldUi>>;
  /** All problems of the node; the field picks its own. */
  problems: readonly FlowProblem[];
  /** `undefined` removes the setting (back to its default). */
  onChange(path: FieldPath, value: unknown): void;
}

/** The key of a setting in a type's `fields`: its path without list indexes (`conditions.variable`). */
export function fieldUiKey(path: FieldPath): string {
  return path.filter((part) => typeof part === 'string').join('.');
}

/** Settings in milliseconds are edited in seconds. */
const isMilliseconds = (name: string, schema: JsonSchema) => /Ms$/.test(name) && (schema.type === 'integer' || schema.type === 'number');

/** The label of a setting: the override, the schema's title, or the key in words. */
export function settingLabel(name: string, schema: JsonSchema, ui: FieldUi | undefined): string {
  if (ui?.label) return ui.label;
  if (schema.title) return schema.title;
  return humanize(isMilliseconds(name, schema) ? name.replace(/Ms$/, '') : name);
}

/** One setting, with the editor its schema (or an override) calls for. */
export function SettingField({ nodeId, path, schema, required, value, fields, problems, onChange }: SettingFieldProps) {
  const ui = fields?.[fieldUiKey(path)];
  const name = String(path.at(-1) ?? '');
  const id = fieldId(nodeId, path);
  const dotted = path.join('.');
  const own = problems.filter((problem) => problem.field === dotted);
  const label = settingLabel(name, schema, ui);
  const help = ui?.help ?? schema.description;
  const describe = describedBy(id, help, own);
  const invalid = own.length > 0 || undefined;
  const fallback = schema.default;
  const variables = useVariableHints(dotted);

  if (ui?.widget === 'menuOptions') {
    return <MenuOptionsField nodeId={nodeId} path={path} label={label} help={help} value={value} problems={problems} onChange={onChange} />;
  }

  if (ui?.widget === 'audioAsset') {
    return <AudioAssetField id={id} label={label} help={help} value={value} problems={own} onChange={(assetId) => onChange(path, assetId)} />;
  }

  if (ui?.widget === 'timeZone') {
    return (
      <FieldFrame inputId={id} label={label} help={help} problems={own} required={required}>
        <TimeZoneSelect id={id} value={typeof value === 'string' ? value : ''} invalid={invalid} describedBy={describe} onChange={(zone) => onChange(path, zone)} />
      </FieldFrame>
    );
  }

  if (ui?.widget === 'weeklyHours') {
    return (
      <WeeklyHoursEditor
        label={label}
        value={value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined}
        onChange={(week) => onChange(path, week)}
        idFor={(sub) => fieldId(nodeId, [...path, ...sub])}
        errorsAt={(sub) => problems.filter((problem) => problem.field === [...path, ...sub].join('.')).map((problem) => problem.message)}
      />
    );
  }

  if (schema.type === 'boolean') {
    const checked = typeof value === 'boolean' ? value : fallback === true;
    return (
      <div className={`field field--check${own.length ? ' field--invalid' : ''}`}>
        <label className="check">
          <input id={id} type="checkbox" checked={checked} aria-describedby={describe} onChange={(event) => onChange(path, event.target.checked)} />
          <span>{label}</span>
        </label>
        {own.length > 0 && <div id={`${id}-error`} className="field__error">{own.map((p) => p.message).join(' · ')}</div>}
        {help && <div id={`${id}-help`} className="field__help">{help}</div>}
      </div>
    );
  }

  if (schema.enum && schema.enum.every((option) => typeof option === 'string' || typeof option === 'number')) {
    const options = schema.enum as (string | number)[];
    return (
      <FieldFrame inputId={id} label={label} help={help} problems={own} required={required}>
        <select
          id={id}
          className="input"
          value={value === undefined ? '' : String(value)}
          aria-invalid={invalid}
          aria-describedby={describe}
          onChange={(event) => {
            const picked = options.find((option) => String(option) === event.target.value);
            onChange(path, picked);
          }}
        >
          {(!required || value === undefined) && <option value="">{fallback !== undefined ? `Default (${String(fallback)})` : 'Choose…'}</option>}
          {options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {/* lowerCamel names read as words (notEquals → Not equals); GET stays GET. */}
              {typeof option === 'string' && /^[a-z]+[A-Z]?/.test(option) ? humanize(option) : String(option)}
            </option>
          ))}
        </select>
      </FieldFrame>
    );
  }

  if (schema.type === 'integer' || schema.type === 'number') {
    const ms = isMilliseconds(name, schema);
    const scale = ms ? 1000 : 1;
    return (
      <FieldFrame inputId={id} label={label} help={help} problems={own} required={required} suffix={ms ? 'seconds' : undefined}>
        <NumberInput
          id={id}
          value={typeof value === 'number' ? value : undefined}
          placeholder={typeof fallback === 'number' ? String(fallback / scale) : undefined}
          scale={scale}
          integer={schema.type === 'integer'}
          min={schema.minimum}
          max={schema.maximum}
          invalid={invalid}
          describedBy={describe}
          onChange={(next) => onChange(path, next)}
        />
      </FieldFrame>
    );
  }

  if (schema.type === 'string') {
    const text = typeof value === 'string' ? value : '';
    // Empty optional text is removed, so the default (or nothing) applies rather than "".
    const change = (next: string) => onChange(path, next === '' && !required ? undefined : next);
    const placeholder = ui?.placeholder ?? (typeof fallback === 'string' ? fallback : undefined);
    return (
      <FieldFrame
        inputId={id}
        label={label}
        help={help}
        problems={own}
        required={required}
        below={<VariableHints inputId={id} text={text} variables={variables} onChange={change} />}
      >
        {ui?.widget === 'textarea' ? (
          <textarea
            id={id}
            className="input input--textarea"
            rows={3}
            value={text}
            maxLength={schema.maxLength}
            placeholder={placeholder}
            aria-invalid={invalid}
            aria-describedby={describe}
            onChange={(event) => change(event.target.value)}
          />
        ) : (
          <input
            id={id}
            className="input"
            value={text}
            maxLength={schema.maxLength}
            placeholder={placeholder}
            aria-invalid={invalid}
            aria-describedby={describe}
            onChange={(event) => change(event.target.value)}
          />
        )}
        {ui?.spoken && <PromptPreviewButton text={text} />}
      </FieldFrame>
    );
  }

  if (schema.type === 'array' && schema.items) {
    return (
      <ListField
        nodeId={nodeId}
        path={path}
        label={label}
        help={help}
        itemSchema={schema.items}
        value={value}
        fields={fields}
        maxItems={schema.maxItems}
        problems={problems}
        onChange={onChange}
      />
    );
  }

  if (schema.type === 'object' && schema.properties) {
    return (
      <fieldset className="fieldset" id={id}>
        <legend>{label}</legend>
        {help && <p className="field__help">{help}</p>}
        <SettingsForm nodeId={nodeId} basePath={path} schema={schema} value={value} fields={fields} problems={problems} onChange={onChange} />
      </fieldset>
    );
  }

  return <JsonSettingField id={id} label={label} help={help} problems={own} value={value} onChange={(next) => onChange(path, next)} />;
}
