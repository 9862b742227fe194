import { useMemo } from 'react';

/** Props of {@link TimeZoneSelect}. */
export interface TimeZoneSelectProps {
  id: string;
  value: string;
  onChange(value: string): void;
  invalid?: boolean;
  describedBy?: string;
}

const FALLBACK_ZONES = ['UTC', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Asia/Tokyo'];

function allZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? FALLBACK_ZONES;
  } catch {
    return FALLBACK_ZONES;
  }
}

/** An IANA time zone, chosen from the ones this browser knows, grouped by region; the browser's own first. */
export function TimeZoneSelect({ id, value, onChange, invalid, describedBy }: TimeZoneSelectProps) {
  const zones = useMemo(allZones, []);
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const groups = useMemo(() => {
    const byRegion = new Map<string, string[]>();
    for (const zone of zones) {
      const region = zone.includes('/') ? (zone.split('/')[0] as string) : 'Other';
      byRegion.set(region, [...(byRegion.get(region) ?? []), zone]);
    }
    return [...byRegion.entries()];
  }, [zones]);
  return (
    <select id={id} className="input" value={value} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)}>
      {!value && <option value="">Choose a time zone…</option>}
      {value && !zones.includes(value) && <option value={value}>{value}</option>}
      {here && <option value={here}>{here} (this computer)</option>}
      {groups.map(([region, members]) => (
        <optgroup key={region} label={region}>
          {members.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll('_', ' ')}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
