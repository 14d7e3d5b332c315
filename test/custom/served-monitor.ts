// One real monitor (no sampling timer, a clock the test moves) behind a real HTTP server answering its admin API,
// for the custom-metrics tests that read it through every surface; and promtool's verdict on a scrape.

import { createMonitor } from '../../src/monitor.js';
import { BASE, body, open, serveAdmin } from '../http/stream-helpers.js';

/** The monitor at 2026-01-01 12:00:05 UTC, served; `base` is its admin API's URL. `options` add to the monitor's. */
export async function serveMonitor(options: Parameters<typeof createMonitor>[0] = {}) {
  const clock = { t: Date.UTC(2026, 0, 1, 12, 0, 5), now: () => clock.t };
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    clock,
    logger: { warn() {}, error() {} },
    ...options,
  });
  const served = await serveAdmin(monitor);
  const base = `${served.url}${BASE}`;
  return {
    monitor,
    clock,
    base,
    /** The parsed JSON answer of `path` (below the admin API's base). */
    getJson: async (path: string) => JSON.parse(await body(await open(`${base}/${path}`))),
    close: async () => {
      await served.close();
      await monitor.close();
    },
  };
}

export { expectPromtoolAccepts } from '../helpers/promtool.js';
