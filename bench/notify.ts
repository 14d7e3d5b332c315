// What routing adds to the sample path: the synchronous time of AlertSystem.checkThresholds when every
// call raises or clears an alert, with no channels (baseline) and with 9 channels (every channel type's
// queue is a webhook to a receiver that never answers, so each push also meets a full queue and drops).
// Both variants alternate within each round, so that machine noise hits them alike.
//
//   npx tsx bench/notify.ts [--calls 2000] [--runs 7] [--no-write]

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/logger.js';
import { createMonitor, type SystemMonitor } from '../src/monitor.js';
import { makeSnapshot } from '../test/alerts/snapshot.js';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '7' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CALLS = Number(values.calls);
const RUNS = Number(values.runs);

// A receiver that accepts and never answers: deliveries stay in flight, queues fill.
const server = createServer(() => {});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

function monitor(channels: number): SystemMonitor {
  return createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    alerts: { cpu: { for: 0 } },
    routing: { groupWaitMs: 0, closeTimeoutMs: 0 },
    channels: Array.from({ length: channels }, () => ({ type: 'webhook' as const, url, timeoutMs: 300_000 })),
  });
}

const high = makeSnapshot({ cpu: { current_percent: 99 } });
const low = makeSnapshot({ cpu: { current_percent: 10 } });

/** ns per checkThresholds call, each call raising or clearing the cpu alert. */
function measure(m: SystemMonitor): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) m.alertSystem.checkThresholds(i % 2 === 0 ? high : low);
  return Number(process.hrtime.bigint() - start) / CALLS;
}

const base = monitor(0);
const routed = monitor(9);
measure(base);
measure(routed); // warm-up
const baseNs: number[] = [];
const routedNs: number[] = [];
const ratios: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const b = measure(base);
  const n = measure(routed);
  baseNs.push(b);
  routedNs.push(n);
  ratios.push(n / b);
}
await base.close();
await routed.close();
server.closeAllConnections();
server.close();

const b = meanInterval(baseNs.map((x) => x / 1000));
const n = meanInterval(routedNs.map((x) => x / 1000));
const added = meanInterval(routedNs.map((x, i) => (x - (baseNs[i] as number)) / 1000));
const ratio = meanInterval(ratios);
const table = [
  '| variant | µs per checkThresholds with one alert event (mean, 95% CI) | median |',
  '|---|---|---|',
  `| no channels (baseline) | ${formatInterval(b, 2)} | ${(median(baseNs) / 1000).toFixed(2)} |`,
  `| 9 channels, receivers hung, queues full | ${formatInterval(n, 2)} | ${(median(routedNs) / 1000).toFixed(2)} |`,
  `| added by routing | ${formatInterval(added, 2)} | |`,
  `| ratio (per round) | ${formatInterval(ratio, 2)} | ${median(ratios).toFixed(2)} |`,
].join('\n');
console.log(table);
if (!values['no-write']) {
  writeSection(
    'notify',
    `${machineLine()}\n${loadLine()}\n\n${RUNS} rounds × ${CALLS} calls; each call raises or clears the cpu alert, so each makes one history record and one notification per channel. The time is synchronous: sampling waits for it; delivery itself runs later on the event loop.\n\n${table}\n`,
  );
}
