// Number, size, rate, time and duration formatting for the dashboard.

export function fmtNumber(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return '–';
  return v.toLocaleString(undefined, { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : digits });
}

export const fmtPercent = (v: number): string => `${fmtNumber(v)}%`;

export const fmtMs = (v: number): string =>
  v >= 1000 ? `${fmtNumber(v / 1000, 2)} s` : `${fmtNumber(v)} ms`;

export const fmtRate = (v: number): string => `${fmtNumber(v, 2)}/s`;

export function fmtBytes(v: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fmtNumber(v)} ${units[i]}`;
}

export const fmtBytesRate = (v: number): string => `${fmtBytes(v)}/s`;

/** A time of day; with the date when the instant is not today in the browser's time zone (RT41-2). */
export function fmtTime(ms: number): string {
  const d = new Date(ms);
  const o: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit' };
  if (d.toDateString() !== new Date().toDateString()) {
    o.month = 'short';
    o.day = 'numeric';
    if (d.getFullYear() !== new Date().getFullYear()) o.year = 'numeric';
  }
  return d.toLocaleString([], o);
}

export function fmtAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
