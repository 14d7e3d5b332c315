// Maintenance windows from the options: one-off (start, end) or recurring (cron start, duration); alerts inside are not sent.

import { invalidOption } from '../errors.js';
import { type CronSchedule, parseCron } from './cron.js';
import { LABEL_NAME, type Matchers, matches } from './matchers.js';
import type { NotifiedAlert } from './types.js';
import { checkKeys, integer, isObject, optionalString, rfc3339Ms, stringRecord } from './validate.js';

/**
 * `{ name, start, end }` (ISO 8601 / RFC 3339 times with `Z` or an offset, or epoch ms) or `{ name, cron: '0 2 * * 0', durationMs }` (cron in UTC).
 * `rule`, `component` and `labels` narrow it; without them it covers every alert.
 */
export interface MaintenanceWindowOptions {
  name: string;
  /** ISO 8601 (RFC 3339) with `Z` or an offset, `2026-12-24T22:00:00Z`, or epoch ms. */
  start?: string | number;
  /** As `start`; after it. */
  end?: string | number;
  cron?: string;
  durationMs?: number;
  rule?: string;
  component?: string;
  labels?: Record<string, string>;
}

/** A window as `silences/` and the dashboard show it. */
export interface MaintenanceWindowStatus {
  name: string;
  kind: 'once' | 'recurring';
  cron: string | null;
  duration_ms: number;
  rule: string | null;
  component: string | null;
  labels: Record<string, string>;
  active: boolean;
  /** The current or next occurrence (null when a one-off has passed or no start within 31 days). */
  starts_at: string | null;
  ends_at: string | null;
}

const KEYS = ['name', 'start', 'end', 'cron', 'durationMs', 'rule', 'component', 'labels'];
const MINUTE = 60_000;
const DAY_MS = 24 * 60 * MINUTE;
/** How far ahead the next occurrence is looked for. */
const LOOKAHEAD_MS = 31 * DAY_MS;

/** One maintenance window, parsed: answers whether it is open and covers an alert. */
export class MaintenanceWindow {
  readonly name: string;
  readonly matchers: Matchers;
  private readonly cron: CronSchedule | null;
  private readonly start: number;
  private readonly end: number;
  private readonly durationMs: number;
  /** The last minute checked and the start found for it, so the per-alert check is one lookup. */
  private cacheMinute = Number.NaN;
  private cacheStart: number | null = null;

  constructor(opts: MaintenanceWindowOptions, where: string) {
    if (!isObject(opts)) throw invalidOption(`sysvitals: \`${where}\` must be an object.`);
    checkKeys(opts, KEYS, where);
    const name = optionalString(opts.name, `${where}.name`);
    if (name === undefined) throw invalidOption(`sysvitals: \`${where}.name\` is required.`);
    this.name = name;
    const labels = stringRecord(opts.labels, `${where}.labels`);
    for (const k of Object.keys(labels)) {
      if (!LABEL_NAME.test(k))
        throw invalidOption(`sysvitals: \`${where}.labels\` has a bad name ${JSON.stringify(k)}.`);
    }
    this.matchers = Object.freeze({
      rule: optionalString(opts.rule, `${where}.rule`) ?? null,
      component: optionalString(opts.component, `${where}.component`) ?? null,
      labels: Object.freeze(labels),
    });
    if (opts.cron !== undefined) {
      if (opts.start !== undefined || opts.end !== undefined) {
        throw invalidOption(
          `sysvitals: \`${where}\` takes \`cron\` + \`durationMs\` or \`start\` + \`end\`, not both.`,
        );
      }
      this.cron = parseCron(opts.cron);
      if (opts.durationMs === undefined)
        throw invalidOption(`sysvitals: \`${where}.cron\` needs \`durationMs\`.`);
      this.durationMs = integer(opts.durationMs, `${where}.durationMs`, MINUTE, 7 * DAY_MS, 0);
      this.start = Number.NaN;
      this.end = Number.NaN;
      return;
    }
    this.cron = null;
    const start = windowTime(opts.start, `${where}.start`);
    const end = windowTime(opts.end, `${where}.end`);
    if (end <= start) {
      throw invalidOption(
        `sysvitals: \`${where}\` needs the end after start (${new Date(end).toISOString()} is not after ${new Date(start).toISOString()}).`,
      );
    }
    if (opts.durationMs !== undefined)
      throw invalidOption(`sysvitals: \`${where}.durationMs\` goes with \`cron\`.`);
    this.start = start;
    this.end = end;
    this.durationMs = end - start;
  }

  /** True when the window is open at `now` and covers the alert. */
  covers(alert: Pick<NotifiedAlert, 'rule' | 'component' | 'labels'>, now: number): boolean {
    return this.openAt(now) !== null && matches(this.matchers, alert);
  }

  /** The start of the occurrence open at `now`, or null. */
  openAt(now: number): number | null {
    if (!this.cron) return now >= this.start && now < this.end ? this.start : null;
    const minute = now - (now % MINUTE);
    if (minute !== this.cacheMinute) {
      this.cacheMinute = minute;
      this.cacheStart = null;
      // The latest start within the duration before now (minute resolution).
      for (let t = minute; t > now - this.durationMs; t -= MINUTE) {
        if (this.cron.matches(t)) {
          this.cacheStart = t;
          break;
        }
      }
    }
    return this.cacheStart !== null && now < this.cacheStart + this.durationMs ? this.cacheStart : null;
  }

  status(now: number): MaintenanceWindowStatus {
    let start = this.cron ? this.openAt(now) : this.start;
    if (start === null) start = this.nextStart(now);
    return {
      name: this.name,
      kind: this.cron ? 'recurring' : 'once',
      cron: this.cron?.source ?? null,
      duration_ms: this.durationMs,
      rule: this.matchers.rule,
      component: this.matchers.component,
      labels: { ...this.matchers.labels },
      active: this.openAt(now) !== null,
      starts_at: start === null ? null : new Date(start).toISOString(),
      ends_at: start === null ? null : new Date(start + this.durationMs).toISOString(),
    };
  }

  private nextStart(now: number): number | null {
    if (!this.cron) return now < this.start ? this.start : null;
    for (let t = now - (now % MINUTE) + MINUTE; t <= now + LOOKAHEAD_MS; t += MINUTE) {
      if (this.cron.matches(t)) return t;
    }
    return null;
  }
}

/**
 * A one-off window's time: RFC 3339 with its zone (`2026-12-24T22:00:00Z`, `2026-12-24T23:00:00+01:00`) or
 * epoch ms. Anything else throws ERR_SYSVITALS_INVALID_OPTION: Date.parse read `2026-12-24 22:00` in the
 * host's time zone and took `12/24/2026`, `1` (2001) or `2026-02-30` (March 2nd).
 */
function windowTime(v: unknown, name: string): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
    throw invalidOption(`sysvitals: \`${name}\` as a number is epoch ms, an integer ≥ 0; got ${String(v)}.`);
  }
  const ms = rfc3339Ms(v);
  if (typeof ms === 'number') return ms;
  const shown = typeof v === 'string' ? JSON.stringify(v.slice(0, 60)) : String(v);
  const why =
    v === undefined
      ? 'is required'
      : ms === 'no zone'
        ? `has no time zone (${shown} would be read in the host's zone); add Z or an offset`
        : ms === 'not a date'
          ? `is not a date (${shown})`
          : `is not an ISO 8601 time (${shown})`;
  throw invalidOption(
    `sysvitals: \`${name}\` ${why}: use RFC 3339 with Z or an offset, such as 2026-12-24T22:00:00Z, or epoch ms (or \`cron\` + \`durationMs\`).`,
  );
}

/** Parses the `maintenance` option at setup. */
export function parseMaintenance(list: unknown): MaintenanceWindow[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    throw invalidOption(
      'sysvitals: `maintenance` must be an array of windows, e.g. [{ name, cron, durationMs }].',
    );
  }
  return list.map((w, i) => new MaintenanceWindow(w, `maintenance[${i}]`));
}
