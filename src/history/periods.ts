// History periods (1h, 24h, 7d): their steps at a given resolution, the rollup steps stores keep, the aligned query window.

/** Time range of a history read: the last hour, day or week. */
export type HistoryPeriod = '1h' | '24h' | '7d';

export interface PeriodSpec {
  durationMs: number;
  /** Step at the default one-minute resolution; never finer than the resolution. */
  stepMs: number;
}

/**
 * 1h → 60 steps of 1 min, 24h → 288 steps of 5 min, 7d → 336 steps of 30 min. With a coarser
 * resolution the step grows to a multiple of it, so a step never splits a bucket.
 */
export const PERIODS: Readonly<Record<HistoryPeriod, Readonly<PeriodSpec>>> = Object.freeze({
  '1h': Object.freeze({ durationMs: 3_600_000, stepMs: 60_000 }),
  '24h': Object.freeze({ durationMs: 86_400_000, stepMs: 300_000 }),
  '7d': Object.freeze({ durationMs: 604_800_000, stepMs: 1_800_000 }),
});

export const HISTORY_PERIODS = Object.freeze(Object.keys(PERIODS) as HistoryPeriod[]);
export const DEFAULT_RESOLUTION_MS = 60_000;
export const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

/** `'1h' | '24h' | '7d'`, or null for anything else (the HTTP layer answers 400). */
export function parsePeriod(value: unknown): HistoryPeriod | null {
  return typeof value === 'string' && Object.hasOwn(PERIODS, value) ? (value as HistoryPeriod) : null;
}

export function historyStepMs(period: HistoryPeriod, resolutionMs = DEFAULT_RESOLUTION_MS): number {
  const base = PERIODS[period].stepMs;
  if (!(resolutionMs > 0)) return base;
  return Math.ceil(Math.max(base, resolutionMs) / resolutionMs) * resolutionMs;
}

/** The coarser steps a store keeps pre-merged ("rollups") so that long periods read a few hundred points. */
export function rollupSteps(resolutionMs = DEFAULT_RESOLUTION_MS): number[] {
  const steps = new Set<number>();
  for (const p of HISTORY_PERIODS) {
    const step = historyStepMs(p, resolutionMs);
    if (step > resolutionMs) steps.add(step);
  }
  return [...steps].sort((a, b) => a - b);
}

/**
 * How long a rollup step is worth keeping: the longest period that reads it, plus one step (5-minute
 * rollups serve 24h, so keeping them 7 days would cost 2 016 members per instance for nothing).
 */
export function rollupKeepMs(stepMs: number, resolutionMs = DEFAULT_RESOLUTION_MS): number {
  let keep = 0;
  for (const p of HISTORY_PERIODS) {
    if (historyStepMs(p, resolutionMs) === stepMs) keep = Math.max(keep, PERIODS[p].durationMs + stepMs);
  }
  return keep > 0 ? keep : DEFAULT_RETENTION_MS;
}

/**
 * The step a store's retention cut is aligned down to: that of the longest period the retention holds whole
 * (the 7-day view's 30 minutes at the default 7 days), so that period's oldest step is never cut partway and
 * capacity reads its 336 whole steps (outside review 37, RT37-9). 0 when no period fits in the retention.
 */
export function retentionStepMs(retentionMs: number, resolutionMs = DEFAULT_RESOLUTION_MS): number {
  let step = 0;
  for (const p of HISTORY_PERIODS) {
    if (PERIODS[p].durationMs <= retentionMs) step = Math.max(step, historyStepMs(p, resolutionMs));
  }
  return step;
}

/** A store's retention cut at `now`: points with t below it are dropped (now − retention, aligned down to retentionStepMs). */
export function retentionCutoff(
  now: number,
  retentionMs: number,
  resolutionMs = DEFAULT_RESOLUTION_MS,
): number {
  const step = retentionStepMs(retentionMs, resolutionMs);
  const cut = now - retentionMs;
  return step > 0 ? Math.floor(cut / step) * step : cut;
}

/** The longest a store keeps a point (and a key's TTL): the retention plus one aligned step. */
export function retentionKeepMs(retentionMs: number, resolutionMs = DEFAULT_RESOLUTION_MS): number {
  return retentionMs + retentionStepMs(retentionMs, resolutionMs);
}

export interface HistoryWindow {
  startMs: number;
  endMs: number;
  stepMs: number;
  steps: number;
}

/** Steps are aligned to the epoch so that repeated queries (and instances) agree on step boundaries. */
export function historyWindow(period: HistoryPeriod, now: number, resolutionMs = DEFAULT_RESOLUTION_MS) {
  const stepMs = historyStepMs(period, resolutionMs);
  const steps = Math.ceil(PERIODS[period].durationMs / stepMs);
  const endMs = (Math.floor(now / stepMs) + 1) * stepMs;
  return { startMs: endMs - steps * stepMs, endMs, stepMs, steps } satisfies HistoryWindow;
}
