// False critical anomaly pages on the outside review rtD's stationary generators (a daily sine 100 ± 50 with noise sd 3,
// a ramp +0.02/min with noise sd 2, Poisson counts of mean 4: 3 days of 1-minute points on an injected clock, seeds
// 1..SEEDS), and the minutes to a critical page after a step of +60 on the cycle and a drop to 0 on the ramp and the
// counts at minute 2000 (seeds 1-5). A count, not a time: the load does not move it.
//   npx tsx bench/anomaly-routine-extremes.ts [seeds, default 20]
import { silentLogger } from '../src/logger.js';
import { createMonitor } from '../src/monitor.js';
import { NO_HOST_FILES } from '../test/helpers/hostless.js';

const T0 = Date.UTC(2026, 11, 1),
  MIN = 60000;
function gen(seed0: number) {
  let seed = seed0;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const poisson = (l: number) => {
    const L = Math.exp(-l);
    let k = 0,
      p = 1;
    do {
      k++;
      p *= rnd();
    } while (p > L);
    return k - 1;
  };
  return (m: number) => ({
    cyc: 100 + 50 * Math.sin((2 * Math.PI * m) / 1440) + 3 * gauss(),
    ramp: 100 + 0.02 * m + 2 * gauss(),
    pois: poisson(4),
  });
}
async function run(seed: number, minutes: number, change?: (m: number, v: Record<string, number>) => void) {
  let now = T0,
    minute = 0;
  const ev: { m: number; s: string; sev: string }[] = [];
  const mon = createMonitor({
    ...NO_HOST_FILES,
    clock: { now: () => now },
    sampleIntervalMs: 0,
    logger: silentLogger,
    alerts: {
      cpu: { enabled: false },
      memory: { enabled: false },
      disk: { enabled: false },
      disk_full_in: { enabled: false },
      memory_leak: { enabled: false },
      event_loop_delay: { enabled: false },
      anomaly: { enabled: true, series: ['cyc', 'ramp', 'pois'] },
    },
    onAlert: (e) => {
      if (e.type === 'raised' || e.type === 'escalated')
        ev.push({
          m: minute,
          s: /Anomaly on (\w+)/.exec(e.alert.message)?.[1] ?? '?',
          sev: e.alert.severity,
        });
    },
  });
  const next = gen(seed);
  for (let m = 0; m < minutes; m++) {
    minute = m;
    const v: Record<string, number> = next(m);
    change?.(m, v);
    for (const [k, x] of Object.entries(v)) mon.analytics.observe(k, x);
    now += MIN;
    await mon.sample();
    await mon.flush();
  }
  await mon.close();
  return ev;
}
async function main() {
  const seeds = Number(process.argv[2] || 20);
  const crit: Record<string, number> = { cyc: 0, ramp: 0, pois: 0 },
    warn: Record<string, number> = { cyc: 0, ramp: 0, pois: 0 };
  for (let s = 1; s <= seeds; s++) {
    for (const e of await run(s, 3 * 1440)) {
      const tally = e.sev === 'critical' ? crit : warn;
      tally[e.s] = (tally[e.s] ?? 0) + 1;
    }
  }
  console.log(`false pages over ${seeds} seeds x 3 days: critical`, crit, 'warning', warn);
  const AT = 2000;
  const delays: Record<string, number[]> = { cyc: [], ramp: [], pois: [] };
  for (let s = 1; s <= 5; s++) {
    const ev = await run(s, AT + 30, (m, v) => {
      if (m >= AT) {
        v.cyc = (v.cyc ?? 0) + 60;
        v.ramp = 0;
        v.pois = 0;
      }
    });
    for (const k of ['cyc', 'ramp', 'pois']) {
      const f = ev.find((e) => e.s === k && e.sev === 'critical' && e.m >= AT);
      delays[k]!.push(f ? f.m - AT : -1);
    }
  }
  console.log(
    'critical delay (min) after step +60 on cyc, drop to 0 on ramp and pois, seeds 1-5 (-1: none in 30 min):',
    delays,
  );
}
main();
