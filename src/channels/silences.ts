// Silences: created over the admin API, matching rule, component and labels until an end time; kept in memory.

import { ALERT_HINTS, ALERT_RULE_NAMES } from '../alerts/rules.js';
import { nodeCrypto } from '../builtins.js';
import { SysvitalsError } from '../errors.js';
import { hasControls } from '../logger.js';
import { didYouMean } from '../options/option-keys.js';
import type { Clock } from '../types.js';
import { LABEL_NAME, type Matchers, matches } from './matchers.js';
import type { NotifiedAlert } from './types.js';
import { rfc3339Ms } from './validate.js';

/** A silence as the API returns it (snake_case). */
export interface Silence {
  id: string;
  rule: string | null;
  component: string | null;
  labels: Record<string, string>;
  starts_at: string;
  ends_at: string;
  created_at: string;
  created_by: string | null;
  comment: string;
  /** `pending` before starts_at, `active`, or `expired` after ends_at (or expired early). */
  status: 'pending' | 'active' | 'expired';
}

/**
 * The body of `POST silences/`: at least one of `rule`, `component`, `labels`; and `ends_at` (ISO) or
 * `duration_ms`. `starts_at` defaults to now.
 */
export interface SilenceInput {
  rule?: string;
  component?: string;
  labels?: Record<string, string>;
  starts_at?: string;
  ends_at?: string;
  duration_ms?: number;
  comment?: string;
  created_by?: string;
}

/**
 * Refused input: the admin API answers it with 400 and this message. A SysvitalsError with the code
 * `ERR_SYSVITALS_INVALID_OPTION` (outside review 34, RT34-3: it had no code).
 */
export class SilenceInputError extends SysvitalsError {
  override readonly name = 'SilenceInputError';
  /** True when the input is valid but the store is full (answered 409, not 400). */
  constructor(
    message: string,
    readonly full = false,
  ) {
    super('ERR_SYSVITALS_INVALID_OPTION', message);
  }
}

const INPUT_KEYS = [
  'rule',
  'component',
  'labels',
  'starts_at',
  'ends_at',
  'duration_ms',
  'comment',
  'created_by',
];
const MAX_DURATION_MS = 366 * 24 * 60 * 60 * 1000;
/** How far ahead a silence may start (planned maintenance a year out; year 9999 is a typo). */
const MAX_START_AHEAD_MS = MAX_DURATION_MS;
/** Silences that have not expired yet; more are refused (409-like, answered 400). */
export const MAX_SILENCES = 1000;
/** Expired silences kept for the list. */
const KEEP_EXPIRED = 50;

interface Entry extends Matchers {
  id: string;
  startsAt: number;
  endsAt: number;
  createdAt: number;
  createdBy: string | null;
  comment: string;
}

/** Known rule names listed in the message that refuses an unknown one (metric rules can be many). */
const LISTED_RULES = 40;

/** The silences of one monitor, in memory: validated on create, matched against alerts, expired early on request. */
export class SilenceStore {
  private readonly entries = new Map<string, Entry>();
  private readonly rules: readonly string[];

  /**
   * @param rules - The rule names a silence may name: `rule` is matched by equality, so a name no rule has
   * would silence nothing. @defaultValue the built-in rules' names
   */
  constructor(
    private readonly clock: Clock,
    rules: readonly string[] = ALERT_RULE_NAMES,
  ) {
    this.rules = Object.freeze([...new Set(rules)]);
  }

  /** Validates and adds a silence; throws SilenceInputError naming the first problem. Changes nothing on error. */
  create(input: unknown): Silence {
    const now = this.clock.now();
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SilenceInputError(
        'the body must be a JSON object such as {"rule":"cpu","duration_ms":3600000}',
      );
    }
    const body = input as Record<string, unknown>;
    const unknown = Object.keys(body).find((k) => !INPUT_KEYS.includes(k));
    if (unknown !== undefined) {
      throw new SilenceInputError(
        `unknown field ${JSON.stringify(unknown.slice(0, 40))}; fields: ${INPUT_KEYS.join(', ')}`,
      );
    }
    const rule = text(body.rule, 'rule', 100);
    if (rule !== null) this.checkRule(rule);
    const component = text(body.component, 'component', 100);
    const labels = labelSet(body.labels);
    if (rule === null && component === null && Object.keys(labels).length === 0) {
      throw new SilenceInputError('a silence must match something: give rule, component or labels');
    }
    // Bounds as Alertmanager's API (v2 postSilences): ends_at after starts_at, ends_at not in the past, a
    // start in the past taken as now; plus ours: a start at most 366 days ahead, a length of at most 366 days.
    const givenStart = body.starts_at === undefined ? now : time(body.starts_at, 'starts_at');
    if (givenStart - now > MAX_START_AHEAD_MS) {
      throw new SilenceInputError(
        `starts_at must be at most 366 days ahead (got ${String(body.starts_at)}; now is ${new Date(now).toISOString()})`,
      );
    }
    let endsAt: number;
    if (body.ends_at !== undefined && body.duration_ms !== undefined) {
      throw new SilenceInputError('give ends_at or duration_ms, not both');
    } else if (body.ends_at !== undefined) {
      endsAt = time(body.ends_at, 'ends_at');
    } else if (body.duration_ms !== undefined) {
      const d = body.duration_ms;
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1000 || d > MAX_DURATION_MS) {
        throw new SilenceInputError(`duration_ms must be an integer from 1000 to ${MAX_DURATION_MS}`);
      }
      endsAt = givenStart + d;
    } else {
      throw new SilenceInputError('a silence needs an end: give ends_at (ISO time) or duration_ms');
    }
    if (endsAt <= now) throw new SilenceInputError('ends_at must be in the future');
    if (endsAt <= givenStart) throw new SilenceInputError('ends_at must be after starts_at');
    const startsAt = Math.max(givenStart, now);
    if (endsAt - startsAt > MAX_DURATION_MS) throw new SilenceInputError('a silence lasts at most 366 days');
    this.prune(now);
    let live = 0;
    for (const e of this.entries.values()) if (e.endsAt > now) live++;
    if (live >= MAX_SILENCES) {
      throw new SilenceInputError(
        `too many silences (${MAX_SILENCES} active or pending); expire some first`,
        true,
      );
    }
    const entry: Entry = {
      id: nodeCrypto().randomUUID(),
      rule,
      component,
      labels: Object.freeze(labels),
      startsAt,
      endsAt,
      createdAt: now,
      createdBy: text(body.created_by, 'created_by', 100),
      comment: text(body.comment, 'comment', 1000) ?? '',
    };
    this.entries.set(entry.id, entry);
    return this.view(entry, now);
  }

  /** Every silence, newest first (expired ones: the latest few). */
  list(): Silence[] {
    const now = this.clock.now();
    this.prune(now);
    return [...this.entries.values()].reverse().map((e) => this.view(e, now));
  }

  /** One silence by id (expired ones while still kept), or undefined. */
  get(id: string): Silence | undefined {
    const e = this.entries.get(id);
    return e ? this.view(e, this.clock.now()) : undefined;
  }

  /** Ends a silence now; an expired one is returned unchanged. Undefined when there is no such id. */
  expire(id: string): Silence | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    const now = this.clock.now();
    if (e.endsAt > now) e.endsAt = Math.max(now, e.startsAt);
    return this.view(e, now);
  }

  /** The active silence that matches the alert, if any. */
  match(
    alert: Pick<NotifiedAlert, 'rule' | 'component' | 'labels'>,
    now = this.clock.now(),
  ): Silence | undefined {
    for (const e of this.entries.values()) {
      if (e.startsAt <= now && now < e.endsAt && matches(e, alert)) return this.view(e, now);
    }
    return undefined;
  }

  /**
   * Puts back silences listed earlier (cluster mode: a new aggregator reads them from its ledger),
   * ids and times unchanged; one already held or malformed is skipped. Returns how many were added.
   */
  restore(silences: readonly Silence[]): number {
    let n = 0;
    for (const s of silences) {
      const startsAt = Date.parse(s?.starts_at);
      const endsAt = Date.parse(s?.ends_at);
      const createdAt = Date.parse(s?.created_at);
      if (typeof s?.id !== 'string' || this.entries.has(s.id) || Number.isNaN(startsAt + endsAt + createdAt))
        continue;
      this.entries.set(s.id, {
        id: s.id,
        rule: typeof s.rule === 'string' ? s.rule : null,
        component: typeof s.component === 'string' ? s.component : null,
        labels: Object.freeze({ ...(s.labels ?? {}) }),
        startsAt,
        endsAt,
        createdAt,
        createdBy: typeof s.created_by === 'string' ? s.created_by : null,
        comment: typeof s.comment === 'string' ? s.comment : '',
      });
      n++;
    }
    return n;
  }

  /**
   * `rule` matches by equality (no regex, no wildcard), so a name that no rule has matches no alert: a typo
   * would be a silence that silences nothing while its author believes the alert is muted.
   */
  private checkRule(rule: string): void {
    if (this.rules.includes(rule)) return;
    const listed = this.rules.slice(0, LISTED_RULES).join(', ');
    const more = this.rules.length > LISTED_RULES ? ` and ${this.rules.length - LISTED_RULES} more` : '';
    throw new SilenceInputError(
      `unknown rule ${JSON.stringify(rule)}: no alert rule has this name, so the silence would match nothing.${didYouMean(rule, this.rules, ALERT_HINTS)} Known rules: ${listed}${more}`,
    );
  }

  private view(e: Entry, now: number): Silence {
    return {
      id: e.id,
      rule: e.rule,
      component: e.component,
      labels: { ...e.labels },
      starts_at: new Date(e.startsAt).toISOString(),
      ends_at: new Date(e.endsAt).toISOString(),
      created_at: new Date(e.createdAt).toISOString(),
      created_by: e.createdBy,
      comment: e.comment,
      status: now < e.startsAt ? 'pending' : now < e.endsAt ? 'active' : 'expired',
    };
  }

  private prune(now: number): void {
    const expired = [...this.entries.values()].filter((e) => e.endsAt <= now);
    for (const e of expired.slice(0, Math.max(0, expired.length - KEEP_EXPIRED))) this.entries.delete(e.id);
  }
}

function text(v: unknown, name: string, max: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new SilenceInputError(`${name} must be a string of 1 to ${max} characters`);
  }
  // Control characters (newlines, terminal escapes, bidi overrides) forge log lines and mislead whoever
  // reads the dashboard; a comment may hold line breaks and tabs.
  const checked = name === 'comment' ? v.replace(/[\t\n]/g, ' ') : v;
  if (hasControls(checked)) {
    throw new SilenceInputError(
      `${name} must not contain control characters (line breaks${name === 'comment' ? ' other than \\n' : ''}, escapes, bidi overrides)`,
    );
  }
  return v;
}

/**
 * A time the way RFC 3339 writes it (what Alertmanager's OpenAPI `format: date-time` takes), checked field
 * by field: Date.parse alone took "1" for 2001, a time without a zone as local time, and 2026-02-30 for
 * March 2nd.
 */
function time(v: unknown, name: string): number {
  const example = `${name} must be an RFC 3339 time with a time zone, such as 2026-01-01T12:00:00Z`;
  const ms = rfc3339Ms(v);
  if (typeof ms === 'number') return ms;
  if (ms === 'no zone') throw new SilenceInputError(`${example} (${String(v)} has none)`);
  if (ms === 'not a date') throw new SilenceInputError(`${name} is not a date: ${String(v)}`);
  throw new SilenceInputError(example);
}

function labelSet(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new SilenceInputError('labels must be an object of strings');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 20) throw new SilenceInputError('labels: at most 20');
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (!LABEL_NAME.test(k))
      throw new SilenceInputError(`label name ${JSON.stringify(k.slice(0, 40))} is not valid`);
    // Reserved as in Prometheus; and `__proto__` assigned below would be dropped, silencing more than asked.
    if (k.startsWith('__'))
      throw new SilenceInputError(
        `label name ${JSON.stringify(k.slice(0, 40))} is reserved (names starting with __)`,
      );
    if (typeof val !== 'string' || val.length > 200) {
      throw new SilenceInputError(`label ${k} must be a string of at most 200 characters`);
    }
    out[k] = val;
  }
  return out;
}
