// False critical anomaly pages on the outside review rtD's stationary generators (a daily sine 100 ± 50 with noise sd 3,
// a ramp +0.02/min with noise sd 2, Poisson counts of mean 4: 3 days of 1-minute points on an injected clock, seeds
// 1..SEEDS), and the minutes to a critical page after a step of +60 on the cycle and a drop to 0 on the ramp and the
// counts at minute 2000 (seeds 1-5). Then outside review rtF's stuck levels (repro/anom.ts: a sawtooth 0,0,0,0,500
// stuck at 1000, 1100 or 1200, an alternating 0/300 stuck at 900, from minute 1500 for an hour, seeds 1-5): the
// minute of the critical page, whether the alert cleared or fell to warning while stuck, and the clear after the
// return. A count, not a time: the load does not move it.
//   npx tsx bench/anomaly-routine-extremes.ts [seeds, default 20]
import { silentLogger } from '../src/logger.js';
import { createMonitor } from '../src/monitor.js';
import { NO_HOST_FILES } from '../test/helpers/hostless.js';
import { runRoutineSeries } from '../test/helpers/routine-extremes.js';

const T0 = Date.UTC(2026, 11, 1);
const MIN = 60_000;

async function run(seed: number, minutes: number, change?: (m: number, v: Record<string, number>) => void) {
  return (await runRoutineSeries(seed, minutes, change)).map((p) => ({
    m: p.minute,
    s: p.series,
    sev: p.severity,
  }));
}
/** Outside review rtF's stuck level: the alert events of one series stuck at `level` from minute AT for an hour. */
async function stuck(kind: 'saw' | 'alt', level: number, seed0: number) {
  let seed = seed0;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const AT = 1500,
    END = AT + 60;
  let now = T0,
    minute = 0;
  const ev: { m: number; type: string; sev: string }[] = [];
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
      anomaly: { enabled: true, series: [kind] },
    },
    onAlert: (e) => {
      ev.push({ m: minute, type: e.type, sev: e.alert.severity });
    },
  });
  for (let m = 0; m < END + 10; m++) {
    minute = m;
    const on = m >= AT && m < END;
    const v =
      kind === 'saw'
        ? (on ? level : m % 5 === 4 ? 500 : 0) + Math.abs(gauss())
        : (on ? level : m % 2 ? 300 : 0) + gauss();
    mon.analytics.observe(kind, v);
    now += MIN;
    await mon.sample();
    await mon.flush();
  }
  await mon.close();
  const crit = ev.find((e) => e.sev === 'critical' && e.type !== 'cleared');
  const dropped = ev.some((e) => e.m < END && (e.type === 'cleared' || e.type === 'deescalated'));
  const cleared = ev.find((e) => e.m >= END && e.type === 'cleared');
  return `${crit ? `+${crit.m - AT}` : 'none'}${dropped ? ' (dropped while stuck)' : ''}, clear ${cleared ? `+${cleared.m - END}` : 'none'}`;
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
  for (const [kind, level] of [
    ['saw', 1000],
    ['saw', 1100],
    ['saw', 1200],
    ['alt', 900],
  ] as const) {
    const out: string[] = [];
    for (let s = 1; s <= 5; s++) out.push(await stuck(kind, level, s));
    console.log(
      `${kind} stuck at ${level} for 60 min, seeds 1-5: critical at, clear after the return:`,
      out.join('; '),
    );
  }
}
main();
