import { z } from 'zod';
import { defineNodeType } from '../define';

/** True when the platform's time zone database (ICU, through Intl) knows this IANA zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Use 24-hour HH:MM, e.g. 09:00');
const range = z
  .object({ open: clock, close: clock })
  .refine((r) => r.open < r.close, { message: 'Closing time must be after opening time (split overnight hours over two days)', path: ['close'] });
const day = z.array(range).max(6).default([]);
const date = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'Use YYYY-MM-DD');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const businessHours = defineNodeType({
  type: 'businessHours',
  version: 1,
  label: 'Business hours',
  category: 'logic',
  help: 'Leaves by open during opening hours (in the given time zone) and by closed otherwise. Holidays close the whole day; an override replaces one date’s hours.',
  config: z.object({
    timeZone: z.string().max(64).refine(isValidTimeZone, 'Not a known IANA time zone, e.g. America/New_York'),
    weekly: z.object({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }),
    holidays: z.array(z.object({ date, name: z.string().max(80).optional() })).max(100).default([]),
    overrides: z.array(z.object({ date, ranges: z.array(range).max(6) })).max(100).default([]),
  }),
  exits: () => ['open', 'closed'],
  outputs: ['open'],
  waitsForCaller: false,
  terminal: false,
});

export type BusinessHoursConfig = z.output<typeof businessHours.config>;

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(at: Date, timeZone: string): { date: string; weekday: Weekday; minutes: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((part) => [part.type, part.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const toMinutes = (clockTime: string) => Number(clockTime.slice(0, 2)) * 60 + Number(clockTime.slice(3, 5));

/** Whether the business is open at `at`: an override for the date wins, then holidays, then the week. */
export function isOpenAt(config: BusinessHoursConfig, at: Date): boolean {
  const local = localParts(at, config.timeZone);
  const override = config.overrides.find((o) => o.date === local.date);
  const ranges = override ? override.ranges : config.holidays.some((h) => h.date === local.date) ? [] : config.weekly[local.weekday];
  return ranges.some((r) => local.minutes >= toMinutes(r.open) && local.minutes < toMinutes(r.close));
}

/** The next moment (to the minute) the open/closed state changes after `from`, within `horizonDays`. */
export function nextChange(config: BusinessHoursConfig, from: Date, horizonDays = 14): { at: Date; open: boolean } | undefined {
  const openNow = isOpenAt(config, from);
  const start = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
  for (let t = start; t <= from.getTime() + horizonDays * 86_400_000; t += 60_000) {
    const at = new Date(t);
    if (isOpenAt(config, at) !== openNow) return { at, open: !openNow };
  }
  return undefined;
}
