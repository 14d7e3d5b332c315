// One capacity figure: its shape, its confidence levels, and how "too little data" reads.

/** The fields of a history point capacity reads (a HistoryPointView has them all). */
export interface CapacityPoint {
  /** Step start, epoch ms. */
  readonly t: number;
  /** Null when no host sample of the step succeeded. */
  readonly cpu_avg_percent: number | null;
  readonly memory_avg_percent: number | null;
  /** Requests in the step. */
  readonly requests: number;
  /** Seconds of the step the history covers (`HistoryPoint.covered_seconds`); absent: the whole step. */
  readonly covered_seconds?: number;
}

/** How far a capacity figure can be trusted, from the data behind it. */
export type Confidence = 'high' | 'medium' | 'low';

/**
 * One figure: its value, a ~90 % interval when it has one, its confidence. The value is null with a note
 * starting "too little data" (and confidence null) when the history cannot say, or with a note saying why
 * when it was measured and has no value: "no peak" (busiest hour or day when the top is shared; confidence
 * null), "not growing" (headroom).
 */
export interface CapacityFigure<V = number> {
  value: V | null;
  unit: string;
  low?: number;
  high?: number;
  confidence: Confidence | null;
  /** Why the value is null, or what it rests on. */
  note: string;
}

/** A figure the history cannot give, with the reason. */
export function tooLittle<V = number>(unit: string, why: string): CapacityFigure<V> {
  return { value: null, unit, confidence: null, note: `too little data: ${why}` };
}

/** `v` to `digits` decimals. */
export function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
