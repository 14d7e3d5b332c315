// Anomalous stretches of a chart: which drawn points have an anomaly score at or above the anomaly
// rule's warning level, and the time ranges to shade over them.

/**
 * The anomaly rule's default warning level (src/analytics/rule-options.ts, `alerts.anomaly.warning`),
 * used until the first snapshot says the configured one (`anomaly.threshold`).
 */
export const DEFAULT_ANOMALY_THRESHOLD = 0.995;

let threshold = DEFAULT_ANOMALY_THRESHOLD;

/** The level the shading uses: the anomaly rule's warning level, as the server reports it. */
export function anomalyThreshold(): number {
  return threshold;
}

/** Takes the level from a snapshot; true when it changed (the charts then re-shade). */
export function setAnomalyThreshold(level: unknown): boolean {
  if (typeof level !== 'number' || !(level >= 0 && level <= 1) || level === threshold) return false;
  threshold = level;
  return true;
}

/** Same rule as the alert: a score at or above the warning level breaches it. */
export const isAnomalous = (score: number | null | undefined): boolean =>
  typeof score === 'number' && score >= threshold;

/** One shaded stretch, in seconds; `score` is the highest score of its points. */
export interface Band {
  from: number;
  to: number;
  score: number;
}

/**
 * Bands over runs of consecutive anomalous points: each run reaches halfway to the neighbouring
 * points (a point owns the half-steps around it), and half a step beyond the ends of the data.
 * `times` are the chart's x values (gap markers included); `scores[i]` is point i's score or null.
 */
export function bandsOf(times: readonly number[], scores: readonly (number | null)[], step: number): Band[] {
  const out: Band[] = [];
  let open: Band | undefined;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    const score = scores[i];
    if (isAnomalous(score)) {
      if (!open) {
        const prev = times[i - 1];
        open = { from: prev === undefined ? t - step / 2 : (prev + t) / 2, to: t, score: score as number };
        out.push(open);
      }
      open.score = Math.max(open.score, score as number);
      const next = times[i + 1];
      open.to = next === undefined ? t + step / 2 : (t + next) / 2;
    } else open = undefined;
  }
  return out;
}

/** Scored buckets (seconds), oldest first: a live sample takes the scores of the bucket it falls in. */
const scored: Array<{ t: number; len: number; scores: Record<string, number> }> = [];

/** The length of a bucket scored live: the history resolution (one minute unless configured). */
const SCORED_BUCKET_S = 60;
/** Buckets kept: the live view's hour and a little more. */
const MAX_SCORED = 90;

/** Adds the scores of a bucket (a snapshot's `anomaly`, or a history point); false if already known. */
export function addScores(t: number, scores: Record<string, number>, len = SCORED_BUCKET_S): boolean {
  if (!Number.isFinite(t) || scored.some((b) => b.t === t)) return false;
  scored.push({ t, len, scores });
  scored.sort((a, b) => a.t - b.t);
  if (scored.length > MAX_SCORED) scored.shift();
  return true;
}

/** A series' score at time `t` (seconds): that of the scored bucket containing it, else null. */
export function scoreAt(series: string, t: number): number | null {
  for (let i = scored.length - 1; i >= 0; i--) {
    const b = scored[i] as (typeof scored)[number];
    if (b.t <= t) return t < b.t + b.len ? (b.scores[series] ?? null) : null;
  }
  return null;
}

/** The scored series names seen in the last bucket (to find a custom or plugin metric's series). */
export function scoredSeries(): string[] {
  return Object.keys(scored[scored.length - 1]?.scores ?? {});
}

/** The series still learning and their minutes to the first score (the snapshot's `anomaly.minutes_to_first_score`). */
let learning = '';
/** The soonest of them (0: none learning). */
let soonest = 0;

/** Takes the snapshot's `anomaly.minutes_to_first_score`; true if what the key says of it changed. */
export function setAnomalyLearning(left: Record<string, number> | undefined): boolean {
  const entries = Object.entries(left ?? {}).filter(([, minutes]) => typeof minutes === 'number');
  const now = entries.map(([series, minutes]) => `${series} ${minutes}`).join(', ');
  if (now === learning) return false;
  learning = now;
  soonest = entries.length > 0 ? Math.min(...entries.map(([, minutes]) => minutes)) : 0;
  return true;
}

/**
 * The anomaly key: the level the shading uses and, while a series still learns, the soonest first score
 * (the tooltip lists each series' minutes with a value until its first score).
 */
export function anomalyKey(): { text: string; title: string } {
  const text = `shaded: anomaly score ≥ ${threshold}`;
  const title =
    'The anomaly alert rule’s warning level (rules.anomaly.warning): a stretch is shaded where the score of a point is at or above it.';
  if (learning === '') return { text, title };
  return {
    text: `${text} · learning: first score in ${soonest} min`,
    title: `${title}\nStill learning (minutes with a value until the first score): ${learning}`,
  };
}
