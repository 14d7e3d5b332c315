// Test oracle: the error_rate rule's reading at a time, computed from the raw requests (README "One status
// everywhere"), and the alert events the README's rules give on a run of such readings.

/** A minute boundary (also a 15 s one): 1_700_000_040_000. */
export const T0 = 28_333_334 * 60_000;
const LAT = 15_000;
const WARNING = 5;
const CRITICAL = 10;
const CLEAR = 4.5;
/** critical − (warning − clear) */
const DEESCALATE = 9.5;
const HOLD = 60_000;
const HORIZON = 900_000;

/** One request sent: when (epoch ms) and the status it was answered with (all on a matched route). */
export interface Sent {
  at: number;
  status: number;
}

/** What the rule reads: the status, and when judged the value and what it was judged on. */
export interface Reading {
  status: 'healthy' | 'warning' | 'critical' | 'unknown';
  value?: number;
  judged?: 'rate' | 'bound';
}

/** The lower end of the 95 % Wilson score interval of failed ÷ n, percent, two decimals (closed formula). */
export function wilson(failed: number, n: number): number {
  const z = 1.96;
  const p = failed / n;
  const lower =
    (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return Math.round(lower * 10_000) / 100 + 0;
}

const judge = (v: number) => (v >= CRITICAL ? 'critical' : v >= WARNING ? 'warning' : 'healthy');

/**
 * The reading at `now`: the window holds the requests of the last 4 latency sub-windows of 15 s, the horizon those
 * of the last 60; from 20 requests the window's rate, else its Wilson bound with at least 5 failed (when it is over
 * the warning level), else the horizon's the same way; else not judged.
 */
export function reading(sent: readonly Sent[], now: number): Reading {
  const lat = Math.floor(now / LAT);
  const within = (spans: number) => sent.filter((r) => r.at <= now && Math.floor(r.at / LAT) > lat - spans);
  const window = within(4);
  const n = window.length;
  const f = window.filter((r) => r.status >= 500).length;
  if (n >= 20) {
    const rate = Math.round((f / n) * 10_000) / 100;
    return { status: judge(rate), value: rate, judged: 'rate' };
  }
  if (n > 0 && f >= 5 && judge(wilson(f, n)) !== 'healthy')
    return { status: judge(wilson(f, n)), value: wilson(f, n), judged: 'bound' };
  const horizon = within(HORIZON / LAT);
  const N = horizon.length;
  const F = horizon.filter((r) => r.status >= 500).length;
  if (N === n || F < 5 || judge(wilson(F, N)) === 'healthy') return { status: 'unknown' };
  return { status: judge(wilson(F, N)), value: wilson(F, N), judged: 'bound' };
}

/**
 * The error_rate alert's events (`seconds type severity`) on `readings` (ms from T0, oldest first), `for` 0, by the
 * README's rules: raised at the warning or critical level; escalated at critical, or, having fallen back, once every
 * reading for a minute was critical; fallen back once every reading for a minute was under the de-escalation
 * level; cleared under the clear level or not judged; a busy window's clear (judged on the rate) is no reading while
 * a breach on a bound is under `horizonMs` old (One outage, one page).
 */
export function expectedEvents(readings: ReadonlyArray<[number, Reading]>): string[] {
  const out: string[] = [];
  let severity: 'warning' | 'critical' | null = null;
  let paged = Number.NEGATIVE_INFINITY;
  let critSince: number | null = null;
  let fallSince: number | null = null;
  let fellBack = false;
  for (const [t, r] of readings) {
    const v = r.status === 'unknown' ? undefined : r.value;
    if (r.judged === 'bound' && v !== undefined && v >= WARNING) paged = t + HORIZON;
    if (severity && r.judged === 'rate' && v !== undefined && v < CLEAR && t < paged) {
      critSince = null;
      fallSince = null;
      continue;
    }
    critSince = v !== undefined && v >= CRITICAL ? (critSince ?? t) : null;
    const event = (type: string) => out.push(`${t / 1000} ${type} ${severity}`);
    if (!severity) {
      if (v !== undefined && v >= WARNING) {
        severity = v >= CRITICAL ? 'critical' : 'warning';
        event('raised');
      }
      continue;
    }
    if (v === undefined || v < CLEAR) {
      event('cleared');
      severity = null;
      fellBack = false;
      critSince = null;
      fallSince = null;
    } else if (severity === 'critical') {
      fallSince = v < DEESCALATE ? (fallSince ?? t) : null;
      if (fallSince !== null && t - fallSince >= HOLD) {
        severity = 'warning';
        fellBack = true;
        fallSince = null;
        event('deescalated');
      }
    } else if (critSince !== null && t - critSince >= (fellBack ? HOLD : 0)) {
      severity = 'critical';
      event('escalated');
    }
  }
  return out;
}
