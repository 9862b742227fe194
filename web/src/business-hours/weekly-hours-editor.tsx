import { WEEKDAYS, type Weekday } from '@switchboard/flow-model';
import { Icon, icons } from '../components/icon';

/** One opening period of a day, 24-hour `HH:MM`. */
export interface OpeningRange {
  open: string;
  close: string;
}

/** Opening periods per weekday; a day without periods is closed. */
export type WeeklyHours = Record<Weekday, OpeningRange[]>;

/** Props of {@link WeeklyHoursEditor}. */
export interface WeeklyHoursEditorProps {
  value: Partial<Record<Weekday, unknown>> | undefined;
  onChange(value: WeeklyHours): void;
  /** DOM id for a path under the weekly hours (`['mon', 0, 'close']`), so problems can focus it. */
  idFor(path: readonly (string | number)[]): string;
  /** Messages about a path under the weekly hours. */
  errorsAt(path: readonly (string | number)[]): string[];
  /** The legend; default "Opening hours". */
  label?: string;
}

const dayNames: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const WORKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** Reads whatever is stored into a full week. */
export function readWeeklyHours(value: Partial<Record<Weekday, unknown>> | undefined): WeeklyHours {
  const week = {} as WeeklyHours;
  for (const day of WEEKDAYS) {
    const ranges = value?.[day];
    week[day] = Array.isArray(ranges)
      ? ranges.map((r: unknown) => {
          const range = (r && typeof r === 'object' ? r : {}) as Partial<Record<keyof OpeningRange, unknown>>;
          return { open: typeof range.open === 'string' ? range.open : '', close: typeof range.close === 'string' ? range.close : '' };
        })
      : [];
  }
  return week;
}

/** A week of opening hours: each day closed, or open in one or more periods. */
export function WeeklyHoursEditor({ value, onChange, idFor, errorsAt, label = 'Opening hours' }: WeeklyHoursEditorProps) {
  const week = readWeeklyHours(value);
  const setDay = (day: Weekday, ranges: OpeningRange[]) => onChange({ ...week, [day]: ranges });
  const copyMondayToWorkdays = () => onChange({ ...week, ...Object.fromEntries(WORKDAYS.map((day) => [day, week.mon.map((r) => ({ ...r }))])) });
  return (
    <fieldset className="fieldset weekly-hours" id={idFor([])} tabIndex={-1}>
      <legend>{label}</legend>
      <table className="weekly-hours__table">
        <tbody>
          {WEEKDAYS.map((day) => {
            const ranges = week[day];
            const dayErrors = errorsAt([day]);
            return (
              <tr key={day}>
                <th scope="row">{dayNames[day]}</th>
                <td>
                  {ranges.length === 0 && <span className="muted weekly-hours__closed">Closed</span>}
                  {ranges.map((range, index) => {
                    const errors = [...errorsAt([day, index, 'open']), ...errorsAt([day, index, 'close']), ...errorsAt([day, index])];
                    return (
                      <div key={index} className={`weekly-hours__range${errors.length ? ' field--invalid' : ''}`}>
                        <input
                          type="time"
                          className="input input--time"
                          id={idFor([day, index, 'open'])}
                          aria-label={`${dayNames[day]} opens at`}
                          value={range.open}
                          onChange={(event) => setDay(day, ranges.map((r, i) => (i === index ? { ...r, open: event.target.value } : r)))}
                        />
                        <span aria-hidden="true">–</span>
                        <input
                          type="time"
                          className="input input--time"
                          id={idFor([day, index, 'close'])}
                          aria-label={`${dayNames[day]} closes at`}
                          value={range.close}
                          onChange={(event) => setDay(day, ranges.map((r, i) => (i === index ? { ...r, close: event.target.value } : r)))}
                        />
                        <button
                          type="button"
                          className="icon-button"
                          aria-label={`Remove ${dayNames[day]} ${range.open}–${range.close}`}
                          onClick={() => setDay(day, ranges.filter((_, i) => i !== index))}
                        >
                          <Icon path={icons.close} size={14} />
                        </button>
                        {errors.length > 0 && <span className="field__error">{errors.join(' · ')}</span>}
                      </div>
                    );
                  })}
                  {dayErrors.length > 0 && <span className="field__error">{dayErrors.join(' · ')}</span>}
                </td>
                <td className="weekly-hours__add">
                  <button
                    type="button"
                    className="link-button"
                    disabled={ranges.length >= 6}
                    onClick={() => {
                      const last = ranges.at(-1);
                      setDay(day, [...ranges, last ? { open: last.close, close: last.close < '23:00' ? '23:00' : '24:00' } : { open: '09:00', close: '17:00' }]);
                    }}
                    aria-label={`Add opening hours on ${dayNames[day]}`}
                  >
                    + Hours
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button type="button" className="link-button" onClick={copyMondayToWorkdays}>
        Copy Monday’s hours to Tuesday–Friday
      </button>
    </fieldset>
  );
}
