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

export const fmtTime = (ms: number): string =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function fmtAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
