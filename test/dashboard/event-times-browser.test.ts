// The dashboard's times in Debian's Chromium (outside review 41): each alert-history entry at the time of its own
// event (RT41-1: escalations and de-escalations used to read the alert's raise time), and the date beside every
// time that is not today in the browser's time zone (RT41-2: a 24 h silence read "12:00:00 → 12:00:00", a window
// three days ahead "next 15:45:00", yesterday's entries as today's).
//
// Both clocks are fixed: the monitor's (injected) and the page's (Playwright's clock), at NOW; the browser runs in
// Asia/Kathmandu (UTC+05:45, no DST), en-GB (24 h). The oracle: the admin API's own instants (an entry's event time
// is `timestamp + duration_seconds`, a clear's `cleared_at`; silences' and windows' `starts_at`/`ends_at`) turned
// into the zone's wall time by adding 5 h 45 min.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/alerts/alert.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { type Receiver, startReceiver } from '../channels/receiver.js';
import { BASE, type Served, serveAdmin } from '../http/stream-helpers.js';
import {
  apiData,
  type Browser,
  DEFAULT_VIEWPORT,
  launch,
  MISSING,
  openPage,
  skipBrowser,
} from './browser-helpers.js';

if (skipBrowser) console.warn(`event times browser test skipped: ${MISSING}`);

const TOKEN = 'event-times-browser-token';
const off = { enabled: false };
const ZONE_OFFSET_MS = (5 * 60 + 45) * 60_000; // Asia/Kathmandu
/** 2026-03-15 12:00:00 in Kathmandu. */
const NOW = Date.parse('2026-03-15T06:15:00.000Z');
const DAY = 86_400_000;
/** Yesterday 09:55:07 in Kathmandu: the alert is raised then. */
const RAISE = NOW - DAY - 2 * 3_600_000 - 4 * 60_000 - 53_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The wall time of `ms` in Kathmandu: `hh:mm:ss` and the date as `d Mon`. */
function wall(ms: number): { time: string; date: string } {
  const d = new Date(ms + ZONE_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return {
    time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`,
    date: `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`,
  };
}

/** True when the text shows `ms`: its time, with its date exactly when it is not NOW's day. */
function shows(text: string, ms: number): boolean {
  const w = wall(ms);
  const today = wall(NOW).date;
  if (!text.includes(w.time)) return false;
  return w.date === today ? !MONTHS.some((m) => text.includes(m)) : text.includes(w.date);
}

describe.skipIf(skipBrowser)('dashboard times in Chromium (RT41-1, RT41-2)', () => {
  let now = RAISE;
  let monitor: SystemMonitor;
  let served: Served;
  let rx: Receiver;
  let browser: Browser;
  let base: string;
  let level = 50;

  beforeAll(async () => {
    rx = await startReceiver();
    monitor = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock: { now: () => now },
      groupTimeoutMs: 40,
      alerts: {
        cpu: off,
        memory: off,
        disk: off,
        event_loop_delay: off,
        disk_full_in: off,
        memory_leak: off,
        rules: [
          {
            name: 'backlog',
            metric: 'custom.queue_depth',
            warning: 10,
            critical: 100,
            for: 0,
            severityHoldMs: 5000,
          },
        ],
      },
      routing: { groupWaitMs: 0 },
      channels: [{ type: 'webhook', name: 'ops-hook', url: `${rx.origin}/hook` }],
      // A one-off window opening three days after NOW, at 15:45 Kathmandu.
      maintenance: [
        { name: 'upgrade', start: NOW + 3 * DAY + 3 * 3_600_000, end: NOW + 3 * DAY + 4 * 3_600_000 },
      ],
    });
    monitor.gauge('queue_depth', { help: 'Jobs waiting.', collect: () => level });
    served = await serveAdmin(monitor, { adminToken: TOKEN });
    base = `${served.url}${BASE}/`;
    // Playwright's default viewport, as the context this test had before; en-GB (24 h) in Kathmandu.
    browser = await launch(DEFAULT_VIEWPORT, { locale: 'en-GB', timezoneId: 'Asia/Kathmandu' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
    await served?.close();
    await rx?.close();
  });

  it('history entries at their own event times; dates beside the times not today', async () => {
    // Yesterday: raised at 50 (warning), escalated 9 s later at 500, de-escalated 8 min 20 s after the raise.
    await monitor.sample();
    now = RAISE + 9_000;
    level = 500;
    await monitor.sample();
    level = 50;
    for (const t of [495_000, 500_000, 505_000]) {
      now = RAISE + t;
      await monitor.sample();
    }
    // Today: the gauge back at 50 changes nothing; a 24 h silence from NOW.
    now = NOW;
    await monitor.sample();
    const created = await fetch(`${base}silences/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rule: 'backlog', duration_ms: DAY, comment: 'one day' }),
    });
    expect(created.status).toBe(201);
    const silence = ((await created.json()) as { data: { id: string; starts_at: string; ends_at: string } })
      .data;

    const history = (
      await apiData<{ alerts: AlertRecord[] }>(`${base}alerts/?history=true`, TOKEN)
    ).alerts.filter((a) => a.rule === 'backlog');
    const eventAt = (r: AlertRecord) =>
      r.event === 'cleared' && r.cleared_at
        ? Date.parse(r.cleared_at)
        : Date.parse(r.timestamp) + r.duration_seconds * 1000;
    expect(history.map((r) => r.event)).toEqual(['deescalated', 'escalated', 'raised']);
    // The API's event times are the schedule's (its own oracle): 9 s, and within the hold after 495 s.
    expect(eventAt(history[1]!)).toBe(RAISE + 9_000);
    expect(eventAt(history[0]!)).toBeGreaterThanOrEqual(RAISE + 495_000);
    const windows = (
      await apiData<{ maintenance_windows: { name: string; starts_at: string }[] }>(`${base}silences/`, TOKEN)
    ).maintenance_windows;
    const upgrade = windows.find((w) => w.name === 'upgrade');
    expect(upgrade?.starts_at).toBe(new Date(NOW + 3 * DAY + 3 * 3_600_000).toISOString());

    const { page, pageErrors } = await openPage(browser.context, TOKEN);
    await page.clock.setFixedTime(NOW);
    await page.goto(`${base}dashboard/`);

    await page.locator('#alert-history-box summary').click();
    const items = page.locator('#alert-history li[data-rule="backlog"] .when');
    await expect.poll(() => items.count()).toBe(3);
    const whens = await items.allTextContents();
    history.forEach((r, i) => {
      const text = whens[i] ?? '';
      expect(text.startsWith(r.event), `${text} is the ${r.event} entry`).toBe(true);
      expect(
        shows(text, eventAt(r)),
        `${r.event}: "${text}" shows ${new Date(eventAt(r)).toISOString()}`,
      ).toBe(true);
    });

    const row = page.locator(`#silences [data-silence-id="${silence.id}"] .sub`);
    await row.waitFor();
    const [from, to] = ((await row.textContent()) ?? '').split(' · ')[0]!.split(' → ');
    expect(shows(from ?? '', Date.parse(silence.starts_at)), `silence from "${from}"`).toBe(true);
    expect(shows(to ?? '', Date.parse(silence.ends_at)), `silence to "${to}"`).toBe(true);

    const next = (await page.locator('#windows [data-window="upgrade"] .when').textContent()) ?? '';
    expect(next.startsWith('next ')).toBe(true);
    expect(shows(next, Date.parse(upgrade?.starts_at ?? '')), `window "${next}"`).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);
});
