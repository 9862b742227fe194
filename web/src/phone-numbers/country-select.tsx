import { useMemo } from 'react';
import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { regionName } from './phone-number';

/** Props of {@link CountrySelect}. */
export interface CountrySelectProps {
  id: string;
  value: CountryCode;
  onChange(country: CountryCode): void;
}

/** The country a number without + is read in: every country libphonenumber knows, by name, with its code. */
export function CountrySelect({ id, value, onChange }: CountrySelectProps) {
  const countries = useMemo(
    () =>
      getCountries()
        .map((code) => ({ code, name: regionName(code), dial: getCountryCallingCode(code) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    [],
  );
  return (
    <select id={id} className="input country-select" value={value} onChange={(event) => onChange(event.target.value as CountryCode)}>
      {countries.map((country) => (
        <option key={country.code} value={country.code}>
          {country.name} (+{country.dial})
        </option>
      ))}
    </select>
  );
}
