// The figure shown beside the errors status is the one the status was judged on (outside review 41, RT41-3): once
// the request window is empty and the status is decided on the error horizon, health+json's `observedValue`, the
// dashboard's Errors figure and its live chart point read the horizon's 10 failed of 30 (33.33 %), not the empty
// window's "0 %"; with nothing judged anywhere they read no figure (0 ÷ 0), not "0 %".
//
// The oracle: the requests the test records (10 of 30 failed) and the injected clock; the figures through the real
// admin API (Accept: application/health+json) and the dashboard's own row/chart functions on the API's snapshot.

import { afterEach, describe, expect, it } from 'vitest';
import { CHARTS } from '../../src/http/dashboard/panels/charts.js';
import { componentRows } from '../../src/http/dashboard/panels/components.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { MetricsSnapshot } from '../../src/types.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';

const TOKEN = 'shown-error-rate-token';
const opened: { monitor: SystemMonitor; served: Served }[] = [];
afterEach(async () => {
  for (const { monitor, served } of opened.splice(0)) {
    await served.close();
    await monitor.close();
  }
});

async function start(clock: () => number) {
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    clock: { now: clock },
    requestWindowMs: 4000,
    groupTimeoutMs: 40,
  });
  const served = await serveAdmin(monitor, { adminToken: TOKEN });
  opened.push({ monitor, served });
  const base = `${served.url}${BASE}/`;
  const get = async (path: string, accept = 'application/json') =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, accept } });
  return { monitor, get };
}

/** The dashboard's Errors figure and live error-rate chart point for a snapshot. */
function dashboard(s: MetricsSnapshot): { value: string | undefined; live: number | null | undefined } {
  return {
    value: componentRows(s).find((r) => r.key === 'errors')?.value,
    live: CHARTS.find((c) => c.id === 'errors')?.series[0]?.live(s),
  };
}

describe('the errors figure is the one its status was judged on (RT41-3)', () => {
  it('window empty, judged critical on the horizon: health+json, the dashboard row and chart read 10 of 30 = 33.33 %', async () => {
    let now = 1_700_000_000_000;
    const { monitor, get } = await start(() => now);
    for (let i = 0; i < 20; i++)
      monitor.recordRequest({ method: 'GET', route: '/ok', status: 200, durationMs: 1 });
    for (let i = 0; i < 10; i++)
      monitor.recordRequest({ method: 'GET', route: '/fail', status: 500, durationMs: 1 });
    await monitor.sample();
    now += 7000; // the 4 s window is empty; the 15 min horizon holds all 30
    await monitor.sample();
    const expected = Math.round((10 / 30) * 10_000) / 100; // 33.33

    const snap = ((await (await get('metrics/')).json()) as { data: MetricsSnapshot }).data;
    expect(snap.errors).toMatchObject({
      status: 'critical',
      count_judged: 0,
      horizon: { count_judged: 30, count_failed: 10, status: 'critical' },
    });
    const res = await get('health/', 'application/health+json');
    expect(res.status).toBe(503);
    const doc = (await res.json()) as {
      checks: Record<string, { status: string; observedValue?: number }[]>;
    };
    expect(doc.checks['errors:errorRate']?.[0]).toMatchObject({ status: 'fail', observedValue: expected });
    expect(dashboard(snap)).toEqual({ value: '33.3%', live: expected });
  });

  it("metrics/ and the detailed health JSON carry the horizon's own rate beside the window's: 10 of 30 = 33.33 %, 0 %", async () => {
    let now = 1_700_000_000_000;
    const { monitor, get } = await start(() => now);
    for (let i = 0; i < 20; i++)
      monitor.recordRequest({ method: 'GET', route: '/ok', status: 200, durationMs: 1 });
    for (let i = 0; i < 10; i++)
      monitor.recordRequest({ method: 'GET', route: '/fail', status: 500, durationMs: 1 });
    await monitor.sample();
    now += 7000; // the 4 s window is empty; the 15 min horizon holds all 30
    await monitor.sample();
    const rate = Math.round((10 / 30) * 10_000) / 100; // failed ÷ judged of the requests sent: 33.33
    const snap = ((await (await get('metrics/')).json()) as { data: MetricsSnapshot }).data;
    expect(snap.errors).toMatchObject({
      status: 'critical',
      error_rate_percent: null, // the window's: empty, no reading (rtF F3)
      horizon: { count_judged: 30, count_failed: 10, error_rate_percent: rate, status: 'critical' },
    });
    // The plain health JSON's figures are its detailed form's `metrics` (without detailed: the statuses only).
    const plain = ((await (await get('health/')).json()) as { data: Record<string, unknown> }).data;
    expect([plain.metrics, (plain.components as Record<string, string>).errors]).toEqual([
      undefined,
      'critical',
    ]);
    for (const path of ['health/?detailed=true']) {
      const res = await get(path);
      expect(res.status).toBe(503);
      const h = ((await res.json()) as { data: { metrics?: MetricsSnapshot } }).data;
      expect(h.metrics?.errors, path).toMatchObject({
        error_rate_percent: null,
        horizon: { count_judged: 30, count_failed: 10, error_rate_percent: rate, status: 'critical' },
      });
    }
  });

  it('nothing judged in the window nor the horizon: no figure (not 0 %), the check left out of health+json', async () => {
    const { monitor, get } = await start(() => 1_700_000_000_000);
    await monitor.sample();
    const snap = ((await (await get('metrics/')).json()) as { data: MetricsSnapshot }).data;
    expect(snap.errors).toMatchObject({ status: 'unknown', count_judged: 0 });
    expect(dashboard(snap)).toEqual({ value: '–', live: null });
    const doc = (await (await get('health/', 'application/health+json')).json()) as {
      checks: Record<string, unknown>;
    };
    expect(doc.checks['errors:errorRate']).toBeUndefined();
  });
});
