// Outside review 14, F4: at about 20 requests a minute a one-hour total outage peaked at request_rate
// 0.991 and a one-hour 30 % error burst reached the alert level for 3 minutes: neither was alerted (the
// nights' 0 requests and 1-in-3 failures made both look like noise to the detector's features). The counts
// now have their own exact evidence (count-model.ts: a Poisson and a binomial log-likelihood CUSUM). Seeded
// Poisson traffic (the probe's: peak `base` requests a minute at 15:00, 0.55 x base on average, 0.2 %
// failing), a week and 9 hours learned, the incident at 10:00 on an injected clock; the oracle is the
// incident's times and the delays README states for each traffic level, its limits included.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { anomalyAnalytics } from '../helpers/anomaly-minutes.js';
import { type Event, type Incident, learn, MIN, runAfter } from '../helpers/poisson-traffic.js';

/** The run starts at 09:00 of day 8: the incident at 10:00 is minute 60. */
const AT = 60;
/** The probe's low-traffic service: 30 a minute at the peak, about 20 at 10:00, 3 at 03:00. */
const learned30 = learn(30, 7 * 1440 + 9 * 60);

const between = (from: number, to: number, incident: Incident) => (m: number) =>
  m >= from && m < to ? incident : {};

const of = (events: Event[], series: string, type: Event['type']) =>
  events.filter((e) => e.series === series && e.type === type);

/** The minutes after AT the alert on `series` was raised and after `end` it was cleared (undefined: never). */
function lifecycle(events: Event[], series: string, end: number): { raised?: number; cleared?: number } {
  const raised = of(events, series, 'raised')[0]?.minute;
  const cleared = of(events, series, 'cleared')[0]?.minute;
  return {
    ...(raised !== undefined && { raised: raised - AT }),
    ...(cleared !== undefined && { cleared: cleared - end }),
  };
}

describe('anomalies at about 20 requests a minute (review 14, F4)', () => {
  it('no request from 10:00 to 11:00: raised within 6 minutes, cleared within 5 of the return, nothing else', () => {
    const events = runAfter(learned30, 150, between(AT, AT + 60, { rate: 0 }));
    // Was never raised (request_rate peaked at 0.991).
    const { raised, cleared } = lifecycle(events, 'request_rate', AT + 60);
    expect(raised).toBeLessThanOrEqual(6);
    expect(cleared).toBeGreaterThanOrEqual(0);
    expect(cleared).toBeLessThanOrEqual(5);
    expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
  });

  it('30 % of requests failing from 10:00 to 11:00: raised within 6 minutes, cleared within 5 of the end', () => {
    const events = runAfter(learned30, 150, between(AT, AT + 60, { failing: 0.3 }));
    // Was never raised (0.995 at 10:35-10:37 only, so the 3-minute pending time never passed).
    const { raised, cleared } = lifecycle(events, 'error_rate', AT + 60);
    expect(raised).toBeLessThanOrEqual(6);
    expect(cleared).toBeGreaterThanOrEqual(0);
    expect(cleared).toBeLessThanOrEqual(5);
  });

  it('10 % of requests failing (2 of the 20 a minute) for an hour: raised within 15 minutes, cleared within 10 of the end', () => {
    const events = runAfter(learned30, 150, between(AT, AT + 60, { failing: 0.1 }));
    const { raised, cleared } = lifecycle(events, 'error_rate', AT + 60);
    expect(raised).toBeLessThanOrEqual(15);
    expect(cleared).toBeGreaterThanOrEqual(0);
    expect(cleared).toBeLessThanOrEqual(10);
  });

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
  const step = (factor: number) => between(AT, AT + 60, { latency: factor });

  it('latency x4 from 10:00 to 11:00: raised within 4 minutes, cleared within 2 of the return, nothing else', () => {
    const events = runAfter(learned30, 150, step(4));
    const { raised, cleared } = lifecycle(events, 'latency_p95', AT + 60);
    expect(raised).toBeLessThanOrEqual(4);
    expect(cleared).toBeGreaterThanOrEqual(0);
    expect(cleared).toBeLessThanOrEqual(2);
    expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
  });

  it('latency x2 from 10:00 to 11:00: raised within 6 minutes, cleared within 5 of the return', () => {
    const events = runAfter(learned30, 150, step(2));
    const { raised, cleared } = lifecycle(events, 'latency_p95', AT + 60);
    expect(raised).toBeLessThanOrEqual(6);
    expect(cleared).toBeGreaterThanOrEqual(0);
    expect(cleared).toBeLessThanOrEqual(5);
  });

  it('a normal week after the learned one raises nothing', () => {
    expect(runAfter(learned30, 7 * 1440, () => ({}))).toEqual([]);
  });

  it('a deploy that quadruples latency for good: held 6 h, cleared as the new usual level, not raised again for a day', () => {
    // The tail model's excursion is accepted after episodeMax minutes: its threshold takes the recent p95.
    const events = runAfter(learned30, AT + 360 + 1440, (m) => (m >= AT ? { latency: 4 } : {}));
    const raised = of(events, 'latency_p95', 'raised');
    expect(raised).toHaveLength(1);
    expect((raised[0]?.minute as number) - AT).toBeLessThanOrEqual(4);
    const cleared = of(events, 'latency_p95', 'cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]?.minute).toBeGreaterThanOrEqual(AT + 360);
    expect((cleared[0]?.minute as number) - AT).toBeLessThanOrEqual(366);
    expect(cleared[0]?.message).toBe(
      'Anomaly on latency_p95: the level of the last 6 h is taken as its usual level (not a return: no longer alerted)',
    );
    expect(events.filter((e) => e.type === 'raised')).toHaveLength(1);
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
    const incident = between(AT, AT + 60, { rate: 0 });
    const reference = anomalyAnalytics();
    reference.importState(learned30.state);
    const traffic = learned30.traffic.clone();
    let t = learned30.t;
    let restored = anomalyAnalytics();
    const expected: Array<Record<string, number>> = [];
    const got: Array<Record<string, number>> = [];
    for (let m = 0; m < AT + 80; m++, t += MIN) {
      const point = traffic.point(t, incident(m));
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
    const incident = between(AT, AT + 60, { rate: 0 });
    const run = (state: string) => {
      const a = anomalyAnalytics();
      a.importState(state);
      const traffic = learned30.traffic.clone();
      const out: Array<[number | undefined, number | undefined]> = [];
      for (let m = 0, t = learned30.t; m < AT + 80; m++, t += MIN) {
        const s = a.scorePoint(traffic.point(t, incident(m)));
        out.push([s.request_rate, s.error_rate]);
      }
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
    const learned3 = learn(3, 7 * 1440 + 9 * 60);
    const outage = lifecycle(
      runAfter(learned3, 150, between(AT, AT + 60, { rate: 0 })),
      'request_rate',
      AT + 60,
    );
    expect(outage.raised).toBeLessThanOrEqual(20);
    expect(outage.cleared).toBeGreaterThanOrEqual(0);
    const errors = lifecycle(
      runAfter(learned3, 180, between(AT, AT + 60, { failing: 0.3 })),
      'error_rate',
      AT + 60,
    );
    expect(errors.raised).toBeLessThanOrEqual(35);
    expect(errors.cleared).toBeGreaterThanOrEqual(0);
  });

  it('latency at about 2 requests a minute (peak 3): x4 for an hour raised within 15 minutes, x2 within 45', () => {
    const learned3 = learn(3, 7 * 1440 + 9 * 60);
    const x4 = lifecycle(
      runAfter(learned3, 180, between(AT, AT + 60, { latency: 4 })),
      'latency_p95',
      AT + 60,
    );
    expect(x4.raised).toBeLessThanOrEqual(15);
    expect(x4.cleared).toBeGreaterThanOrEqual(0);
    const x2 = lifecycle(
      runAfter(learned3, 180, between(AT, AT + 60, { latency: 2 })),
      'latency_p95',
      AT + 60,
    );
    expect(x2.raised).toBeLessThanOrEqual(45);
    expect(x2.cleared).toBeGreaterThanOrEqual(0);
  });

  it('latency under 1 request a minute (peak 1): x4 for an hour raised within 40 minutes, x2 not detected', () => {
    const learned1 = learn(1, 7 * 1440 + 9 * 60);
    const x4 = lifecycle(
      runAfter(learned1, 180, between(AT, AT + 60, { latency: 4 })),
      'latency_p95',
      AT + 60,
    );
    expect(x4.raised).toBeLessThanOrEqual(40);
    expect(x4.cleared).toBeGreaterThanOrEqual(0);
    expect(runAfter(learned1, 180, between(AT, AT + 60, { latency: 2 }))).toEqual([]);
  });

  it('under 1 request a minute (peak 1): an hour without requests is not detected', () => {
    const learned1 = learn(1, 7 * 1440 + 9 * 60);
    const events = runAfter(learned1, 150, between(AT, AT + 60, { rate: 0 }));
    expect(events).toEqual([]);
  });
});

/**
 * The models learned above, saved where the monitor reads them at start-up, then 09:00 to 11:30 minute by
 * minute through the monitor's own request window and history point (its histogram included), with
 * `incident` from 10:00 to 11:00. Returns the anomaly alert events: [minute, type, series].
 */
async function throughMonitor(incident: Incident): Promise<Array<[number, string, string]>> {
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
  const events: Array<[number, string, string]> = [];
  let minute = 0;
  monitor.on('alert', (e) => {
    if (e.alert.rule === 'anomaly') events.push([minute, e.type, e.alert.component]);
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
  it('no request from 10:00 to 11:00 at about 20 a minute: raised within 6 minutes, cleared within 5 of the return', async () => {
    const events = await throughMonitor({ rate: 0 });
    const raised = events.filter(([, type]) => type === 'raised');
    expect(raised.map(([, , series]) => series)).toEqual(['request_rate']);
    expect((raised[0]?.[0] as number) - AT).toBeLessThanOrEqual(6);
    const cleared = events.find(([, type, series]) => type === 'cleared' && series === 'request_rate');
    expect(cleared?.[0]).toBeGreaterThanOrEqual(AT + 60);
    expect((cleared?.[0] as number) - (AT + 60)).toBeLessThanOrEqual(5);
  }, 60_000);

  it('latency x4 from 10:00 to 11:00 at about 20 a minute: raised within 4 minutes, cleared within 2 of the return', async () => {
    // The tail model reads the minute's histogram as the monitor's bucket point encodes it.
    const events = await throughMonitor({ latency: 4 });
    const raised = events.filter(([, type]) => type === 'raised');
    expect(raised.map(([, , series]) => series)).toEqual(['latency_p95']);
    expect((raised[0]?.[0] as number) - AT).toBeLessThanOrEqual(4);
    const cleared = events.find(([, type, series]) => type === 'cleared' && series === 'latency_p95');
    expect(cleared?.[0]).toBeGreaterThanOrEqual(AT + 60);
    expect((cleared?.[0] as number) - (AT + 60)).toBeLessThanOrEqual(2);
  }, 60_000);
});
