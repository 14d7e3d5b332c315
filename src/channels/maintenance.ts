// Maintenance windows from the options: one-off (start, end) or recurring (cron start, duration); alerts inside are not sent.

import { invalidOption } from '../errors.js';
import { type CronSchedule, parseCron } from './cron.js';
import { LABEL_NAME, type Matchers, matches } from './matchers.js';
import type { NotifiedAlert } from './types.js';
import { checkKeys, integer, isObject, optionalString, stringRecord } from './validate.js';

/**
 * `{ name, start, end }` (ISO times) or `{ name, cron: '0 2 * * 0', durationMs }` (cron in UTC).
 * `rule`, `component` and `labels` narrow it; without them it covers every alert.
 */
export interface MaintenanceWindowOptions {
  name: string;
  start?: string;
  end?: string;
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
    const start = Date.parse(String(opts.start));
    const end = Date.parse(String(opts.end));
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
      throw invalidOption(
        `sysvitals: \`${where}\` needs \`start\` and \`end\` as ISO times with end after start (or \`cron\` + \`durationMs\`).`,
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
