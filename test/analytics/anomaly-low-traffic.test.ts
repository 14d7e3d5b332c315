// Outside review 14, F4: at about 20 requests a minute a one-hour total outage peaked at request_rate
// 0.991 and a one-hour 30 % error burst reached the alert level for 3 minutes: neither was alerted (the
// nights' 0 requests and 1-in-3 failures made both look like noise to the detector's features). The counts
// now have their own exact evidence (count-model.ts: a Poisson and a binomial log-likelihood CUSUM). Seeded
// Poisson traffic (the probe's: peak `base` requests a minute at 15:00, 0.55 x base on average, 0.2 %
// failing), a week and 9 hours learned, the incident at 10:00 on an injected clock; the oracle is the
// incident's times and the delays README states for each traffic level, its limits included.

import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../src/history/point.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { anomalyAnalytics } from '../helpers/anomaly-minutes.js';
import { type Event, type Incident, type Learned, learn, MIN, runAfter } from '../helpers/poisson-traffic.js';
import {
  AT,
  anHourOf,
  between,
  expectAlerted,
  expectDeployTakenAsUsual,
  learnedTo9,
  lifecycle,
} from './anomaly-incident.js';

/** The probe's low-traffic service: 30 a minute at the peak, about 20 at 10:00, 3 at 03:00. */
const learned30 = learnedTo9(30);

/** The history points of the `minutes` minutes after `l`, `incident(m)` changing minute m. */
function pointsAfter(l: Learned, minutes: number, incident: (m: number) => Incident): HistoryPoint[] {
  const traffic = l.traffic.clone();
  return Array.from({ length: minutes }, (_, m) => traffic.point(l.t + m * MIN, incident(m)));
}

/**
 * An hour of incident from 10:00 after learned30, a test each: [name, incident, series, raised within (minutes after
 * 10:00), cleared within (after 11:00), and whether it is the only alert raised].
 */
type Hour = [
  name: string,
  incident: Incident,
  series: string,
  raised: number,
  cleared: number,
  only?: boolean,
];
const itAlertsAnHour = (hours: Hour[]) =>
  it.each(hours)('%s', (_name, incident, series, raised, cleared, only) => {
    const hour = anHourOf(learned30, 150, incident, series);
    expectAlerted(hour, raised, cleared);
    if (only) expect(hour.events.filter((e) => e.type === 'raised')).toHaveLength(1);
  });

describe('anomalies at about 20 requests a minute (review 14, F4)', () => {
  itAlertsAnHour([
    // Was never raised (request_rate peaked at 0.991).
    [
      'no request from 10:00 to 11:00: raised within 6 minutes, cleared within 5 of the return, nothing else',
      { rate: 0 },
      'request_rate',
      6,
      5,
      true,
    ],
    // Was never raised (0.995 at 10:35-10:37 only, so the 3-minute pending time never passed).
    [
      '30 % of requests failing from 10:00 to 11:00: raised within 6 minutes, cleared within 5 of the end',
      { failing: 0.3 },
      'error_rate',
      6,
      5,
    ],
    [
      '10 % of requests failing (2 of the 20 a minute) for an hour: raised within 15 minutes, cleared within 10 of the end',
      { failing: 0.1 },
      'error_rate',
      15,
      10,
    ],
  ]);

  it('a normal day after the learned week raises nothing', () => {
    expect(runAfter(learned30, 1440, () => ({}))).toEqual([]);
  });
});

describe('a latency step at about 20 requests a minute (the tail model)', () => {
  // The minute's p95 of about 20 requests is a noisy order statistic, and the nights' p95 of 1 to 3 requests
  // widen the detector's envelope of it further: a x4 step (p95 from about 90 to 360 ms) scored 1 at its
  // first minute, then 0.5 (the episode's reference was that minute's extreme p95, and the next minutes'
  // read as a return to it), and was never raised. The tail model counts the requests over the usual p95
  // (exact binomial evidence from each minute's histogram): 17 of 20 over it, where 1 is usual.
  itAlertsAnHour([
    [
      'latency x4 from 10:00 to 11:00: raised within 4 minutes, cleared within 2 of the return, nothing else',
      { latency: 4 },
      'latency_p95',
      4,
      2,
      true,
    ],
    [
      'latency x2 from 10:00 to 11:00: raised within 6 minutes, cleared within 5 of the return',
      { latency: 2 },
      'latency_p95',
      6,
      5,
    ],
  ]);

  it('a normal week after the learned one raises nothing', () => {
    expect(runAfter(learned30, 7 * 1440, () => ({}))).toEqual([]);
  });

  it('a deploy that quadruples latency for good: held 6 h, cleared as the new usual level, not raised again for a day', () => {
    // The tail model's excursion is accepted after episodeMax minutes: its threshold takes the recent p95.
    expectDeployTakenAsUsual(learned30, 4);
  });
});

describe('what the count evidence learns', () => {
  it('an outage repeated the next day at the same time is raised both days (the detector alone raised neither)', () => {
    const events = runAfter(learned30, 1440 + 150, (m) =>
      m % 1440 >= AT && m % 1440 < AT + 60 ? { rate: 0 } : {},
    );
    const raised = events.filter((e) => e.type === 'raised').map((e) => [e.series, e.minute % 1440] as const);
    expect(raised).toHaveLength(2);
    for (const [series, minute] of raised) {
      expect(series).toBe('request_rate');
      expect(minute - AT).toBeLessThanOrEqual(6);
    }
  });

  it('a client that stops every day at noon for an hour (a fifth of the traffic left): raised on a few of the first days at 30 a minute, never at 300', () => {
    // The price of the above: a new daily pattern of small counts is an excursion until its record has
    // grown to it (at most 2.9 times per excursion); at 300 a minute the counts are not small and the
    // detector learns the pattern in a day.
    const lunch = (m: number): Incident => (m % 1440 >= 720 && m % 1440 < 780 ? { rate: 0.2 } : {});
    /** The days (0: the first) with an alert raised during the drop or the 10 minutes after it. */
    const days = (base: number) => {
      const events = runAfter(learn(base, 0), 10 * 1440, lunch);
      const inDrop = events.filter(
        (e) => e.type === 'raised' && e.minute % 1440 >= 720 && e.minute % 1440 < 790,
      );
      return [...new Set(inDrop.map((e) => Math.floor(e.minute / 1440)))];
    };
    const at30 = days(30);
    expect(at30.length).toBeGreaterThan(0); // the price is real
    expect(at30.length).toBeLessThanOrEqual(3);
    expect(at30.filter((d) => d === 0)).toEqual([]); // the first day is never reported
    expect(days(300)).toEqual([]);
  });
});

describe('a recurring nightly slow hour at a few requests a minute (outside review 17, F4)', () => {
  // Peak 20 a minute, 1 to 4 at night; every night from 03:00 to 04:00 each latency x3 (a nightly batch).
  // The first nights raise (a new daily pattern is an anomaly on its first days), but the alert was held 20
  // minutes to 2 hours after 04:00, longer each night (+21, +43, +116 on the review's seed): the tail model's
  // evidence, capped at 2.9 times a record that grows each night, drained request by request at 1 to 4 a
  // minute, and one ordinary request over the usual p95 (1 in 20) pushed it back up. The minutes since the
  // return are now judged together (a return CUSUM): the oracle is the slow hour's end, 04:00 of each night.
  it.each([7, 8, 9])(
    'seed %i: each night raised during the slow hour clears within 12 minutes of 04:00',
    (seed) => {
      const learned = learn(20, 7 * 1440, seed);
      const nights = 4;
      const events = runAfter(learned, nights * 1440 + 360, (m) =>
        m % 1440 >= 180 && m % 1440 < 240 ? { latency: 3 } : {},
      ).filter((e) => e.series === 'latency_p95');
      let raisedNights = 0;
      for (let night = 0; night < nights; night++) {
        const from = night * 1440 + 180;
        const end = night * 1440 + 240;
        const raised = events.find((e) => e.type === 'raised' && e.minute >= from && e.minute < end);
        if (!raised) continue;
        raisedNights++;
        const cleared = events.find((e) => e.type === 'cleared' && e.minute > raised.minute);
        expect(cleared, `night ${night + 1}`).toBeDefined();
        expect((cleared?.minute ?? 0) - end, `night ${night + 1}`).toBeLessThanOrEqual(12);
      }
      // The pattern is still detected on its first night (and not on every one: it is learned).
      expect(raisedNights).toBeGreaterThan(0);
      expect(events.filter((e) => e.type === 'raised').length).toBeLessThanOrEqual(nights);
    },
  );
});

describe('the count evidence is saved with the models', () => {
  it('restored 20 minutes into the outage, the next hour scores exactly as without the restart', () => {
    const reference = anomalyAnalytics();
    reference.importState(learned30.state);
    let restored = anomalyAnalytics();
    const expected: Array<Record<string, number>> = [];
    const got: Array<Record<string, number>> = [];
    for (const [m, point] of pointsAfter(learned30, AT + 80, between(AT, AT + 60, { rate: 0 })).entries()) {
      if (m === AT + 20) {
        restored = anomalyAnalytics();
        restored.importState(reference.exportState());
      }
      expected.push(reference.scorePoint(point));
      if (m >= AT + 20) got.push(restored.scorePoint(point));
    }
    expect(got).toEqual(expected.slice(AT + 20));
    // The restored minutes are the outage's: the count evidence was carried over, not rebuilt.
    expect(got[0]?.request_rate).toBeGreaterThanOrEqual(0.995);
    // A state saved before the count models (no "counts") still loads: they start fresh.
    const { counts: _counts, ...older } = JSON.parse(reference.exportState());
    const fresh = anomalyAnalytics();
    expect(fresh.importState(JSON.stringify(older))).toBe(3);
  });
});

describe('a state saved before the tail model', () => {
  it('restores request_rate and error_rate exactly (their 17 slots), latency_p95 starting fresh', () => {
    const saved = JSON.parse(learned30.state);
    const older = {
      ...saved,
      counts: {
        request_rate: saved.counts.request_rate.slice(0, 17),
        error_rate: saved.counts.error_rate.slice(0, 17),
      },
    };
    // The three slots the tail model added are 0 in the request and failure models.
    expect(saved.counts.request_rate.slice(17)).toEqual([0, 0, 0]);
    expect(saved.counts.error_rate.slice(17)).toEqual([0, 0, 0]);
    const points = pointsAfter(learned30, AT + 80, between(AT, AT + 60, { rate: 0 }));
    const run = (state: string) => {
      const a = anomalyAnalytics();
      a.importState(state);
      const out = points.map((point) => {
        const s = a.scorePoint(point);
        return [s.request_rate, s.error_rate];
      });
      return { out, counts: JSON.parse(a.exportState()).counts };
    };
    const now = run(learned30.state);
    const before = run(JSON.stringify(older));
    expect(before.out).toEqual(now.out);
    // The tail model was not in the old state: it learned only the minutes since.
    expect(before.counts.latency_p95[0]).toBeLessThan(AT + 80);
    expect(now.counts.latency_p95[0]).toBeGreaterThan(7 * 1440);
  });
});

describe('the traffic limits README states', () => {
  it('about 2 requests a minute at 10:00 (peak 3): an hour without requests is raised within 20 minutes, 30 % failing within 35', () => {
    expectAlerted(anHourOf(learnedTo9(3), 150, { rate: 0 }, 'request_rate'), 20);
    expectAlerted(anHourOf(learnedTo9(3), 180, { failing: 0.3 }, 'error_rate'), 35);
  });

  it('latency at about 2 requests a minute (peak 3): x4 for an hour raised within 15 minutes, x2 within 45', () => {
    expectAlerted(anHourOf(learnedTo9(3), 180, { latency: 4 }, 'latency_p95'), 15);
    expectAlerted(anHourOf(learnedTo9(3), 180, { latency: 2 }, 'latency_p95'), 45);
  });

  it('latency under 1 request a minute (peak 1): x4 for an hour raised within 40 minutes, x2 not detected', () => {
    expectAlerted(anHourOf(learnedTo9(1), 180, { latency: 4 }, 'latency_p95'), 40);
    expect(anHourOf(learnedTo9(1), 180, { latency: 2 }, 'latency_p95').events).toEqual([]);
  });

  it('under 1 request a minute (peak 1): an hour without requests is not detected', () => {
    expect(anHourOf(learnedTo9(1), 150, { rate: 0 }, 'request_rate').events).toEqual([]);
  });
});

/**
 * The models learned above, saved where the monitor reads them at start-up, then 09:00 to 11:30 minute by
 * minute through the monitor's own request window and history point (its histogram included), with
 * `incident` from 10:00 to 11:00. Returns the anomaly alert events.
 */
async function throughMonitor(incident: Incident): Promise<Event[]> {
  const store = new MemoryStore();
  await store.saveState('anom', 'anomaly', learned30.state);
  let now = learned30.t;
  const monitor = createMonitor({
    store,
    clock: () => now,
    sampleIntervalMs: 0,
    instanceId: 'anom',
    logger: { warn: () => {}, error: () => {} },
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      event_loop_delay: { enabled: false },
      anomaly: { enabled: true, series: ['latency_p95', 'request_rate', 'error_rate'] },
    },
  });
  const events: Event[] = [];
  let minute = 0;
  monitor.on('alert', (e) => {
    if (e.alert.rule === 'anomaly')
      events.push({ minute, type: e.type, series: e.alert.component, message: e.alert.message });
  });
  const traffic = learned30.traffic.clone();
  try {
    for (; minute < 150; minute++) {
      const at = now;
      for (const r of traffic.minute(at, minute >= AT && minute < AT + 60 ? incident : {}))
        monitor.recordRequest({ method: 'GET', route: '/api', ...r });
      now = at + MIN;
      await monitor.flush();
      await monitor.sample();
    }
  } finally {
    await monitor.close();
  }
  return events;
}

describe('through the monitor (recordRequest, flush, sample each minute)', () => {
  // Each: [name, incident, the series alerted (no other), raised within (after 10:00), cleared within (after 11:00)].
  it.each([
    [
      'no request from 10:00 to 11:00 at about 20 a minute: raised within 6 minutes, cleared within 5 of the return',
      { rate: 0 },
      'request_rate',
      6,
      5,
    ],
    // The tail model reads the minute's histogram as the monitor's bucket point encodes it.
    [
      'latency x4 from 10:00 to 11:00 at about 20 a minute: raised within 4 minutes, cleared within 2 of the return',
      { latency: 4 },
      'latency_p95',
      4,
      2,
    ],
  ] as Array<[string, Incident, string, number, number]>)(
    '%s',
    async (_name, incident, series, raised, cleared) => {
      const events = await throughMonitor(incident);
      expect(events.filter((e) => e.type === 'raised').map((e) => e.series)).toEqual([series]);
      expectAlerted(lifecycle(events, series, AT + 60), raised, cleared);
    },
    60_000,
  );
});
