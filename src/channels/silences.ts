// Silences: created over the admin API, matching rule, component and labels until an end time; kept in memory.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../types.js';
import { LABEL_NAME, type Matchers, matches } from './matchers.js';
import type { NotifiedAlert } from './types.js';

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

/** Refused input: the admin API answers it with 400 and this message. */
export class SilenceInputError extends Error {
  override readonly name = 'SilenceInputError';
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

/** The silences of one monitor, in memory: validated on create, matched against alerts, expired early on request. */
export class SilenceStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

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
    const component = text(body.component, 'component', 100);
    const labels = labelSet(body.labels);
    if (rule === null && component === null && Object.keys(labels).length === 0) {
      throw new SilenceInputError('a silence must match something: give rule, component or labels');
    }
    const startsAt = body.starts_at === undefined ? now : time(body.starts_at, 'starts_at');
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
      endsAt = startsAt + d;
    } else {
      throw new SilenceInputError('a silence needs an end: give ends_at (ISO time) or duration_ms');
    }
    if (endsAt <= now) throw new SilenceInputError('ends_at must be in the future');
    if (endsAt <= startsAt) throw new SilenceInputError('ends_at must be after starts_at');
    if (endsAt - startsAt > MAX_DURATION_MS) throw new SilenceInputError('a silence lasts at most 366 days');
    this.prune(now);
    let live = 0;
    for (const e of this.entries.values()) if (e.endsAt > now) live++;
    if (live >= MAX_SILENCES) {
      throw new SilenceInputError(`too many silences (${MAX_SILENCES}); expire some first`);
    }
    const entry: Entry = {
      id: randomUUID(),
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
  return v;
}

function time(v: unknown, name: string): number {
  const t = typeof v === 'string' && v.length <= 40 ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t))
    throw new SilenceInputError(`${name} must be an ISO 8601 time such as 2026-01-01T12:00:00Z`);
  return t;
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
    if (typeof val !== 'string' || val.length > 200) {
      throw new SilenceInputError(`label ${k} must be a string of at most 200 characters`);
    }
    out[k] = val;
  }
  return out;
}
