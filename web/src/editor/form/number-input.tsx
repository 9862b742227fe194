import { useEffect, useState } from 'react';

/** Props of {@link NumberInput}. */
export interface NumberInputProps {
  id: string;
  value: number | undefined;
  /** Shown when empty: the default. */
  placeholder?: string;
  /** Shown value × scale = stored value (1000 shows milliseconds as seconds). */
  scale?: number;
  integer?: boolean;
  min?: number;
  max?: number;
  invalid?: boolean;
  describedBy?: string;
  /** A number, or undefined when emptied (back to the default). */
  onChange(value: number | undefined): void;
}

/** A number field that lets you type freely and only passes on numbers it can read. */
export function NumberInput({ id, value, placeholder, scale = 1, integer, min, max, invalid, describedBy, onChange }: NumberInputProps) {
  const shown = value === undefined ? '' : String(value / scale);
  const [text, setText] = useState(shown);
  const [unreadable, setUnreadable] = useState(false);
  // Follow the document when it changes from elsewhere (undo, another field).
  useEffect(() => {
    setText((current) => (Number(current) * scale === value || (current === '' && value === undefined) ? current : shown));
  }, [value, shown, scale]);
  return (
    <>
      <input
        id={id}
        className="input input--number"
        type="number"
        inputMode={integer && scale === 1 ? 'numeric' : 'decimal'}
        step={integer && scale === 1 ? 1 : 'any'}
        min={min === undefined ? undefined : min / scale}
        max={max === undefined ? undefined : max / scale}
        value={text}
        placeholder={placeholder}
        aria-invalid={invalid || unreadable || undefined}
        aria-describedby={describedBy}
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          if (next.trim() === '') {
            setUnreadable(false);
            onChange(undefined);
            return;
          }
          const number = Number(next);
          if (Number.isFinite(number)) {
            setUnreadable(false);
            onChange(integer ? Math.round(number * scale) : number * scale);
          } else setUnreadable(true);
        }}
      />
      {unreadable && <span className="field__error">Enter a number.</span>}
    </>
  );
}
