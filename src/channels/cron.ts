// A five-field cron expression (minute hour day-of-month month day-of-week), read in UTC, for recurring maintenance windows.

import { invalidOption } from '../errors.js';

export interface CronSchedule {
  readonly source: string;
  /** True when a window starts at the minute beginning at `ms` (UTC). */
  matches(ms: number): boolean;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

/** Names cron accepts in the month and day-of-week fields, in any letter case (`JAN`, `mon-fri`). */
const NAMES: Record<string, readonly string[]> = {
  month: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  'day of week': ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
};

/** The most days each month has (February 29 in a leap year, so within 8 years). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `text` with month or day names replaced by their numbers (JAN = 1, SUN = 0). */
function withNumbers(text: string, f: (typeof FIELDS)[number]): string {
  const names = NAMES[f.name];
  if (names === undefined) return text;
  const first = f.name === 'month' ? 1 : 0;
  return text.replace(/\b[a-z]{3}\b/gi, (word) => {
    const i = names.indexOf(word.toUpperCase());
    return i < 0 ? word : String(i + first);
  });
}

/** `*`, `5`, `1-5`, `*\/15`, `1-30/5` and lists of them (`0,30`). Day of week 0 and 7 are Sunday. */
function field(text: string, f: (typeof FIELDS)[number], expr: string): Set<number> {
  const out = new Set<number>();
  for (const part of withNumbers(text, f).split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m)
      throw invalidOption(`sysvitals: cron ${JSON.stringify(expr)}: bad ${f.name} ${JSON.stringify(part)}.`);
    const lo = m[1] === '*' ? f.min : Number(m[2]);
    const hi = m[1] === '*' ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < f.min || hi > f.max || lo > hi || step < 1) {
      throw invalidOption(
        `sysvitals: cron ${JSON.stringify(expr)}: ${f.name} must be within ${f.min}-${f.max}, got ${JSON.stringify(part)}.`,
      );
    }
    for (let v = lo; v <= hi; v += step) out.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

export function parseCron(expr: string): CronSchedule {
  if (typeof expr !== 'string') throw invalidOption('sysvitals: a cron expression must be a string.');
  const source = expr.trim();
  const parts = (MACROS[source] ?? source).split(/\s+/);
  if (parts.length !== 5) {
    throw invalidOption(
      `sysvitals: cron ${JSON.stringify(expr)} must have 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * 0".`,
    );
  }
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, FIELDS[i]!, source)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  // As in Vixie cron / cronie (man 5 crontab): a day field is restricted unless it starts with `*` (so `*/1`, `*/7`
  // and `*,*` are not); when both are restricted, either one matching is enough, otherwise both must match.
  const domAny = parts[2]!.startsWith('*');
  const dowAny = parts[4]!.startsWith('*');
  // Unless both are restricted, a day of month must exist in a month named (31 February, 31 April … never do).
  // Every date falls on each weekday in some year, so the day-of-week field cannot make it impossible.
  if ((dowAny || domAny) && ![...month].some((m) => [...dom].some((d) => d <= MONTH_DAYS[m - 1]!))) {
    throw invalidOption(
      `sysvitals: cron ${JSON.stringify(expr)} never matches: no month it names has day ${[...dom].join(',')} ` +
        '(February has at most 29 days; April, June, September and November 30). Fix the day or the month.',
    );
  }
  return Object.freeze({
    source,
    matches(ms: number): boolean {
      const d = new Date(ms);
      if (!minute.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) {
        return false;
      }
      const domOk = dom.has(d.getUTCDate());
      const dowOk = dow.has(d.getUTCDay());
      if (domAny || dowAny) return domOk && dowOk;
      return domOk || dowOk;
    },
  });
}
