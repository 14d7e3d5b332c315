// Regression (outside review rtF, F6): a rule that reads one label set of a collect() gauge (`labels: { queue: 'b' }`)
// was judged on the gauge as a whole. Set "a" returning NaN while "b" read 5 made health show the gauge unknown (−10),
// though the rule read its set fine; set "b" gone from the reading (the rule has no reading) showed no unknown. Health
// is now keyed on the set the rule reads: unknown while that set has no reading (gone, or its own last reading
// failed: `stale` in the series), whatever the other sets read. The oracle is the rule's own input: whether its set is
// in the reading, with a finite value; the points are the documented 10 of a failed collector.

import { afterEach, describe, expect, it } from 'vitest';
import { SCORE_PENALTIES } from '../../src/alerts/health.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

type Reading = { labels: { queue: string }; value: number }[] | Error;

/** A monitor on an injected clock whose host groups fail alike on any machine, with a gauge read from `reading`. */
function setup(ruleLabels: Record<string, string> | undefined) {
  const clock = { t: Date.UTC(2026, 11, 1, 12) };
  const monitor = createMonitor({
    clock: () => clock.t,
    sampleIntervalMs: 0,
    logger: silentLogger,
    procRoot: '/nonexistent-proc',
    // Host rules off: no alert but the rule's (never breached here), so the score is the components' alone.
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      disk_full_in: { enabled: false },
      memory_leak: { enabled: false },
      event_loop_delay: { enabled: false },
      rules: [
        {
          name: 'backlog_b',
          metric: 'custom.queue_depth',
          warning: 1000,
          ...(ruleLabels ? { labels: ruleLabels } : {}),
        },
      ],
    } as never,
  });
  monitors.push(monitor);
  let reading: Reading = [];
  monitor.gauge('queue_depth', {
    help: 'Jobs waiting.',
    labels: ['queue'],
    collect: () => {
      if (reading instanceof Error) throw reading;
      return reading;
    },
  });
  const read = async (r: Reading) => {
    reading = r;
    clock.t += 5000;
    await monitor.sample();
    const h = await monitor.getHealth({ detailed: true });
    // The documented score (README Health): 100 − 10 per warning − 30 per critical component − 10 per component that
    // could not be measured (`unknown_reasons`); no alert is active, no request was served (no Apdex).
    const statuses = Object.values(h.components);
    const documented =
      100 -
      10 * statuses.filter((x) => x === 'warning').length -
      30 * statuses.filter((x) => x === 'critical').length -
      UNMEASURED * Object.keys(h.unknown_reasons ?? {}).length;
    expect(h.active_alerts).toBe(0);
    expect(h.health_score).toBe(Math.max(0, documented));
    return h;
  };
  return { read };
}

const a = (value: number) => ({ labels: { queue: 'a' }, value });
const b = (value: number) => ({ labels: { queue: 'b' }, value });
const UNMEASURED = SCORE_PENALTIES.component.unmeasured;

describe('a rule on one label set of a collect() gauge (rtF F6)', () => {
  it('is unknown while its own set has no reading, not while another set fails', async () => {
    const { read } = setup({ queue: 'b' });
    const base = await read([a(1), b(5)]);
    expect(base.components['custom.queue_depth']).toBeUndefined();

    // Set "a" NaN, "b" read fine (5): the rule reads its set, nothing unknown, no points lost.
    const otherFails = await read([a(Number.NaN), b(5)]);
    expect(otherFails.components['custom.queue_depth']).toBeUndefined();
    expect(otherFails.unknown_reasons?.['custom.queue_depth']).toBeUndefined();

    // Set "b" gone (a = 3 read fine): the rule has no reading.
    const gone = await read([a(3)]);
    expect(gone.components['custom.queue_depth']).toBe('unknown');
    expect(gone.unknown_reasons?.['custom.queue_depth']).toBe('label set {"queue":"b"}: no reading');

    // Back, then its own value NaN: it keeps its last value, stale, so unknown with the gauge's error.
    expect((await read([a(3), b(7)])).unknown_reasons?.['custom.queue_depth']).toBeUndefined();
    const ownFails = await read([a(3), b(Number.NaN)]);
    expect(ownFails.unknown_reasons?.['custom.queue_depth']).toBe(
      'collect() returned a value of NaN, not a finite number',
    );

    // The callback throws: every set keeps its last value, all stale.
    const thrown = await read(new Error('ECONNREFUSED'));
    expect(thrown.unknown_reasons?.['custom.queue_depth']).toBe('ECONNREFUSED');

    // Recovered: nothing unknown, the points back (each read checks the documented score).
    const back = await read([a(3), b(7)]);
    expect(back.components['custom.queue_depth']).toBeUndefined();
    expect(back.unknown_reasons?.['custom.queue_depth']).toBeUndefined();
  });

  it('the series shows which set is stale; a rule without labels is unknown on any failure, as before', async () => {
    const { read } = setup(undefined);
    await read([a(1), b(5)]);
    const h = await read([a(Number.NaN), b(5)]);
    expect(h.unknown_reasons?.['custom.queue_depth']).toBe(
      'collect() returned a value of NaN, not a finite number',
    );
    const series = (h.metrics?.custom?.queue_depth as { series?: unknown } | undefined)?.series;
    expect(series).toEqual([
      { labels: { queue: 'a' }, value: 1, stale: true },
      { labels: { queue: 'b' }, value: 5 },
    ]);
    // Set "b" gone but the gauge read (no error): the sum is read, nothing unknown.
    expect((await read([a(3)])).unknown_reasons?.['custom.queue_depth']).toBeUndefined();
  });
});
