// Durations as rules write them ('30m', '4h', ms) and as alert messages say them ("3 h 20 min").

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a duration: milliseconds as a number (0 allowed, as for a pending time), or a string such as
 * '30m', '4h', '1d', '90s', '500ms'. Unlike profiling's parseDuration it does not throw: the rules
 * build their own ERR_SYSVITALS_INVALID_RULE message.
 * Returns null when it is not one.
 */
export function readDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** "3 h 20 min", "45 min", "2 d 4 h": a time span for alert messages. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
