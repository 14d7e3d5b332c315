// False critical anomaly pages on the outside review rtD's stationary generators (a daily sine 100 ± 50 with noise sd 3,
// a ramp +0.02/min with noise sd 2, Poisson counts of mean 4: 3 days of 1-minute points on an injected clock, seeds
// 1..SEEDS), and the minutes to a critical page after a step of +60 on the cycle and a drop to 0 on the ramp and the
// counts at minute 2000 (seeds 1-5). Then outside review rtF's stuck levels (repro/anom.ts: a sawtooth 0,0,0,0,500
// stuck at 1000, 1100 or 1200, an alternating 0/300 stuck at 900, from minute 1500 for an hour, seeds 1-5): the
// minute of the critical page, whether the alert cleared or fell to warning while stuck, and the clear after the
// return. A count, not a time: the load does not move it.
//   npx tsx bench/anomaly-routine-extremes.ts [seeds, default 20]
import { runRoutineSeries, runStuckLevel, STUCK_AT } from '../test/helpers/routine-extremes.js';

async function run(seed: number, minutes: number, change?: (m: number, v: Record<string, number>) => void) {
  return (await runRoutineSeries(seed, minutes, change)).map((p) => ({
    m: p.minute,
    s: p.series,
    sev: p.severity,
  }));
}
/** Outside review rtF's stuck level: the alert events of one series stuck at `level` from minute AT for an hour. */
async function stuck(kind: 'saw' | 'alt', level: number, seed: number) {
  const AT = STUCK_AT,
    END = AT + 60;
  const ev = (await runStuckLevel(kind, level, END, END + 10, seed)).events.map((e) => ({
    m: e.minute,
    type: e.type,
    sev: e.severity,
  }));
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
