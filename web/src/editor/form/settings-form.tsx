import type { FlowProblem } from '@switchboard/flow-model';
import type { FieldUi, WidgetName } from '../node-types';
import type { FieldPath } from './field-path';
import { problemsAt } from '../model/problems';
import type { JsonSchema } from './json-schema';
import { fieldUiKey, SettingField } from './setting-field';

/** Props of {@link SettingsForm}. */
export interface SettingsFormProps {
  nodeId: string;
  /** Where this object sits in the node's settings; empty for the root. */
  basePath: FieldPath;
  schema: JsonSchema;
  value: unknown;
  /** Field overrides, by dotted path from the settings root without list indexes. */
  fields?: Readonly<Record<string, FieldUi>>;
  problems: readonly FlowProblem[];
  onChange(path: FieldPath, value: unknown): void;
  /** At the root: optional settings go under "More settings" unless every setting is optional. */
  collapseOptional?: boolean;
}

/** Settings with these editors are always shown, even when optional. */
const PRIMARY_WIDGETS = new Set<WidgetName>(['menuOptions', 'weeklyHours', 'timeZone', 'audioAsset']);

/** A form for an object schema: one {@link SettingField} per property, in declaration order. */
export function SettingsForm({ nodeId, basePath, schema, value, fields, problems, onChange, collapseOptional }: SettingsFormProps) {
  const object = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  const render = ([key, property]: [string, JsonSchema]) => {
    const path = [...basePath, key];
    return (
      <SettingField
        key={key}
        nodeId={nodeId}
        path={path}
        schema={property}
        required={required.has(key)}
        value={object[key]}
        fields={fields}
        problems={problems}
        onChange={onChange}
      />
    );
  };
  const main = entries.filter(([key]) => required.has(key) || PRIMARY_WIDGETS.has(fields?.[fieldUiKey([...basePath, key])]?.widget ?? 'text'));
  if (!collapseOptional || main.length === 0 || main.length === entries.length) return <div className="settings-form">{entries.map(render)}</div>;
  const more = entries.filter((entry) => !main.includes(entry));
  const moreHasProblems = more.some(([key]) => problemsAt(problems, [...basePath, key].join('.')).length > 0);
  const changed = more.filter(([key]) => object[key] !== undefined).length;
  return (
    <div className="settings-form">
      {main.map(render)}
      <details className="more-settings" open={moreHasProblems || undefined}>
        <summary>
          More settings
          {changed > 0 && <span className="muted"> · {changed} changed from default</span>}
        </summary>
        {more.map(render)}
      </details>
    </div>
  );
}
