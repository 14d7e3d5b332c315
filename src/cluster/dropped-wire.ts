// Observations dropped for bad input (`dropped_observations`) as reports carry them: deltas per DROPPED_SOURCES.

import { DROPPED_SOURCES } from '../collector/dropped.js';

/** Observations a source dropped for bad input since start. */
export interface DroppedSource {
  readonly dropped?: number;
}

/** Where a reporter reads them: a monitor's statistics (threads have requests and functions only). */
interface DroppedSources {
  requests: DroppedSource;
  functions: DroppedSource;
  queries?: DroppedSource;
  jobs?: DroppedSource;
  custom?: { droppedValues?(): number };
}

/** Turns the counts since start into deltas; what was taken is not sent again. */
export class DroppedReporter {
  private sent = [0, 0, 0, 0, 0];

  /** Forgets what was sent: the next take() holds the counts since start. */
  reset(): void {
    this.sent = [0, 0, 0, 0, 0];
  }

  /** The observations dropped since the previous take(), per DROPPED_SOURCES; null when none. */
  take(s: DroppedSources): number[] | null {
    const now = [
      s.requests.dropped ?? 0,
      s.functions.dropped ?? 0,
      s.queries?.dropped ?? 0,
      s.jobs?.dropped ?? 0,
      s.custom?.droppedValues?.() ?? 0,
    ];
    const d = now.map((v, k) => Math.max(0, v - (this.sent[k] as number)));
    if (!d.some((v) => v > 0)) return null;
    this.sent = now;
    return d;
  }
}

/** Reads `d` from the wire (undefined when absent); throws on anything malformed (the report is then dropped). */
export function decodeDropped(d: unknown): number[] | undefined {
  if (d === undefined) return undefined;
  if (
    !Array.isArray(d) ||
    d.length !== DROPPED_SOURCES.length ||
    !d.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)
  ) {
    throw new Error('bad dropped');
  }
  return d.slice() as number[];
}
