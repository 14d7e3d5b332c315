// The fits of a trend window by its shape (envelope.ts): a plain series' whole, recent and regime fits with the
// intervals a prediction's raise, keep and family-wise guard read (predict.ts); a cycle's or staircase's turns. Cached
// per buffer version (once a minute).

import { levelShift, regimeOf } from './change-point.js';
import { carry, MIN_TURNS, stepLevel, windowShape } from './envelope.js';
import { centred, lineSignificant, Z_FAMILY, Z_HINGE } from './raise-guard.js';
import type { SeriesBuffer } from './series-buffer.js';
import { serialCorrelation, type Trend, theilSen, theilSenEach } from './trend.js';

const fits = new WeakMap<SeriesBuffer, { version: number; trend: Trend | null }>();

/** The buffer's Theil–Sen fit, computed again only when its points changed (once a minute). */
export function trendOf(buffer: SeriesBuffer): Trend | null {
  const cached = fits.get(buffer);
  if (cached && cached.version === buffer.version) return cached.trend;
  const { times, values } = buffer.read();
  const trend = theilSen(times, values);
  fits.set(buffer, { version: buffer.version, trend });
  return trend;
}

/** The fits of a window by its shape, and the points and span the guards judge. */
export interface ShapedFits {
  readonly whole: Trend | null;
  readonly recent: Trend | null;
  readonly envelope: boolean;
  /**
   * A segment's fits of the whole window, which must agree: a jump only withholds a forecast, never
   * makes one (a jump in a noisy series would otherwise start a short, spurious stretch).
   */
  readonly plain: { readonly whole: Trend; readonly recent: Trend } | null;
  readonly points: number;
  readonly spanMs: number;
  /**
   * A plain series' (or segment's) fit of its regime: the points since its slope last changed (change-point.ts),
   * else all of them (null for an envelope); `regimeSure` the same with the 98 % interval.
   */
  readonly regime: (Trend & { readonly noise: number }) | null;
  readonly regimeSure: Trend | null;
  /** The same with the family-wise interval a raise needs when the level is within the noise (raise-guard.ts). */
  readonly regimeFamily: Trend | null;
  /** The same as if the points were independent: a raised alert past the level is kept on it (keeping is as before). */
  readonly regimeKeepFamily: Trend | null;
  /** The regime's last quarter (at least `minPoints` points): a raise needs it significant too. */
  readonly regimeRecent: Trend | null;
  /** The same points at the family-wise interval: a recent stretch steeper than the regime shortens the time. */
  readonly regimeRecentFamily: Trend | null;
  /** The regime starts at a change of slope (it is shorter than the stretch fitted). */
  readonly changed: boolean;
  /**
   * A cycle's turns lie on their line beyond their scatter at the raise's 1 % (raise-guard.ts `lineSignificant`);
   * true for a staircase (its landings are judged as before) and a plain series (not read).
   */
  readonly turnsSure: boolean;
}

/** The interval a raise needs toward the level: 98 % (each end 1 %), where keeping a raised alert needs 90 %. */
const Z_RAISE = 2.326;

const shaped = new WeakMap<SeriesBuffer, { version: number; key: string; fits: ShapedFits }>();

/** The whole and recent fits of the buffer by its shape toward `direction`, cached per version. */
export function shapedFits(
  buffer: SeriesBuffer,
  direction: 'up' | 'down',
  minPoints: number,
  regime = false,
): ShapedFits {
  const key = `${direction}:${minPoints}:${regime}`;
  const cached = shaped.get(buffer);
  if (cached && cached.version === buffer.version && cached.key === key) return cached.fits;
  const { times, values } = buffer.read();
  const shape = windowShape(values, direction);
  let fits: ShapedFits;
  if (shape.kind === 'envelope' || shape.kind === 'stairs') {
    const t = shape.turns.map((i) => times[i] as number);
    const v =
      shape.kind === 'stairs'
        ? shape.turns.map((i) => stepLevel(values, i))
        : shape.turns.map((i) => values[i] as number);
    const end = times[times.length - 1] as number;
    const start = times[0] as number;
    const quarter = end - (end - start) / 4;
    let k = t.findIndex((x) => x >= quarter);
    k = Math.min(k < 0 ? t.length : k, t.length - MIN_TURNS);
    const whole = theilSen(t, v);
    fits = {
      whole: carry(whole, end),
      recent: carry(theilSen(t.slice(k), v.slice(k)), end),
      envelope: true,
      plain: null,
      points: times.length,
      spanMs: end - start,
      regime: null,
      regimeSure: null,
      regimeFamily: null,
      regimeKeepFamily: null,
      regimeRecent: null,
      regimeRecentFamily: null,
      changed: false,
      turnsSure: shape.kind === 'stairs' || (whole !== null && lineSignificant(t, v, whole.slope, direction)),
    };
  } else {
    // A jump that a line with a step there does not fit significantly better is jitter, not a cut.
    // (`forecastRegime` only: `disk_full_in` keeps every jump a cut.)
    const cut = shape.kind === 'segment' && (!regime || levelShift(times, values, shape.from));
    const from = cut && shape.kind === 'segment' ? shape.from : 0;
    const t = times.slice(from);
    const v = values.slice(from);
    const k = Math.min(t.length, Math.max(minPoints, Math.ceil(t.length / 4)));
    const plainWhole = trendOf(buffer);
    const whole = cut ? theilSen(t, v) : plainWhole;
    const recent = theilSen(t.slice(-k), v.slice(-k));
    const q = Math.min(times.length, Math.max(minPoints, Math.ceil(times.length / 4)));
    const plainRecent = cut ? theilSen(times.slice(-q), values.slice(-q)) : null;
    const { times: rt, values: rv, toward } = regimeOf(t, v, direction, minPoints);
    const kr = Math.max(minPoints, Math.ceil(rt.length / 4));
    // One fit, four intervals. A raise's widened for the noise's lag-1 autocorrelation (trend.ts); a keep's not: else
    // such ramps, raised, cleared while rising (φ 0.8: 15 of 40 still raised at the crossing; bench/RESULTS.md).
    const rho = serialCorrelation(v);
    const longRho = cut ? rho : Math.max(rho, serialCorrelation(withoutJumps(buffer.past())));
    const [regimeFit, regimeSure, regimeFamily, regimeKeepFamily] = theilSenEach(rt, rv, [
      {},
      { z: Z_RAISE, rho: longRho },
      // A regime found by a search for a steeper stretch is held to the search's family-wise level (Z_HINGE).
      { z: toward ? Z_HINGE : Z_FAMILY, rho: longRho },
      { z: Z_FAMILY },
    ]);
    const [regimeRecent, regimeRecentFamily] = theilSenEach(rt.slice(-kr), rv.slice(-kr), [
      { rho },
      { z: Z_FAMILY },
    ]);
    fits = {
      whole,
      recent,
      envelope: false,
      plain: cut && plainWhole && plainRecent ? { whole: plainWhole, recent: plainRecent } : null,
      points: t.length,
      spanMs: t.length > 0 ? (t[t.length - 1] as number) - (t[0] as number) : 0,
      regime: centred(regimeFit ?? null, rt, rv),
      regimeSure: regimeSure ?? null,
      regimeFamily: regimeFamily ?? null,
      regimeKeepFamily: regimeKeepFamily ?? null,
      regimeRecent: regimeRecent ?? null,
      regimeRecentFamily: regimeRecentFamily ?? null,
      changed: rt.length < t.length,
      turnsSure: true,
    };
  }
  shaped.set(buffer, { version: buffer.version, key, fits });
  return fits;
}

/**
 * `values` with each one-step move clipped to 5 robust standard deviations of the moves about their median (1.4826 ×
 * the median absolute deviation): the noise's autocorrelation over the series' longer past (`SeriesBuffer.past`)
 * must not read a cut or a step that has left the window as a wandering noise (a 30-point drop, then a fill with a
 * ±1 jitter: ρ 0.87–0.95 over the last 240 readings, and the fill was no longer raised in 4 of 8 seeded runs; clipped,
 * 0–0.33, raised as before). Noise's moves are rarely clipped.
 */
export function withoutJumps(values: readonly number[]): number[] {
  if (values.length < 3) return [...values];
  const d: number[] = [];
  for (let i = 1; i < values.length; i++) d.push((values[i] as number) - (values[i - 1] as number));
  const mid = medianOf(d);
  const spread = 1.4826 * medianOf(d.map((x) => Math.abs(x - mid)));
  const bound = 5 * spread;
  const out = [values[0] as number];
  for (const x of d)
    out.push((out[out.length - 1] as number) + mid + Math.max(-bound, Math.min(bound, x - mid)));
  return out;
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}
