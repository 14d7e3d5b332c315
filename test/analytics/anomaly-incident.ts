// Test helper: the incident at 10:00 of anomaly-episodes.test.ts and anomaly-low-traffic.test.ts. The analytics
// learn a week and 9 hours of seeded Poisson traffic (helpers/poisson-traffic.ts), then each run starts at 09:00 of
// day 8 with the incident from 10:00; the alert events are read against the incident's times.

import { expect } from 'vitest';
import { type Event, type Incident, type Learned, learn, runAfter } from '../helpers/poisson-traffic.js';

/** The run starts at 09:00 of day 8: the incident at 10:00 is minute 60. */
export const AT = 60;

/** A week and 9 hours of traffic peaking at `base` requests a minute learned (once per fork and seed: learn()). */
export function learnedTo9(base: number, seed?: number): Learned {
  return learn(base, 7 * 1440 + 9 * 60, seed);
}

/** `incident` from minute `from` to `to` (exclusive), nothing else. */
export const between = (from: number, to: number, incident: Incident) => (m: number) =>
  m >= from && m < to ? incident : {};

/** The events on `series` of `type`. */
export const of = (events: Event[], series: string, type: Event['type']) =>
  events.filter((e) => e.series === series && e.type === type);

/** The minutes after AT the alert on `series` was raised and after `end` it was cleared (undefined: never). */
export function lifecycle(
  events: Event[],
  series: string,
  end: number,
): { raised?: number; cleared?: number } {
  const raised = of(events, series, 'raised')[0]?.minute;
  const cleared = of(events, series, 'cleared')[0]?.minute;
  return {
    ...(raised !== undefined && { raised: raised - AT }),
    ...(cleared !== undefined && { cleared: cleared - end }),
  };
}

/**
 * `incident` from 10:00 to 11:00 after `l`, run `minutes` from 09:00: the events, and when the alert on `series`
 * was raised (minutes after 10:00) and cleared (minutes after 11:00).
 */
export function anHourOf(
  l: Learned,
  minutes: number,
  incident: Incident,
  series: string,
): { events: Event[]; raised?: number; cleared?: number } {
  const events = runAfter(l, minutes, between(AT, AT + 60, incident));
  return { events, ...lifecycle(events, series, AT + 60) };
}

/** Raised within `raised` minutes of 10:00; cleared at or after 11:00, and within `cleared` minutes of it if given. */
export function expectAlerted(
  got: { raised?: number; cleared?: number },
  raised: number,
  cleared?: number,
): void {
  expect(got.raised).toBeLessThanOrEqual(raised);
  expect(got.cleared).toBeGreaterThanOrEqual(0);
  if (cleared !== undefined) expect(got.cleared).toBeLessThanOrEqual(cleared);
}

/**
 * A deploy that quadruples latency for good at 10:00, run a day past 6 h after it: one alert on latency_p95,
 * raised within `raised` minutes, held 6 h (episodeMax: 360 points after the onset, raised after the pending
 * time), then cleared as the new usual level, and nothing raised again.
 */
export function expectDeployTakenAsUsual(l: Learned, raised: number): void {
  const events = runAfter(l, AT + 360 + 1440, (m) => (m >= AT ? { latency: 4 } : {}));
  const raisedOn = of(events, 'latency_p95', 'raised');
  expect(raisedOn).toHaveLength(1);
  expect((raisedOn[0]?.minute as number) - AT).toBeLessThanOrEqual(raised);
  const cleared = of(events, 'latency_p95', 'cleared');
  expect(cleared).toHaveLength(1);
  expect(cleared[0]?.minute).toBeGreaterThanOrEqual(AT + 360);
  expect((cleared[0]?.minute as number) - AT).toBeLessThanOrEqual(366);
  expect(cleared[0]?.message).toBe(
    'Anomaly on latency_p95: the level of the last 6 h is taken as its usual level (not a return: no longer alerted)',
  );
  expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
}
