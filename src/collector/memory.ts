// Memory and swap: /proc/meminfo on Linux (one read, ≈25 µs), os + systeminformation elsewhere.

import os from 'node:os';
import { bandStatus, round } from '../alerts/status.js';
import type { MemoryMetrics } from '../types.js';
import { BYTES_PER_GB, readProcFile } from './proc.js';

export interface MemoryBytes {
  total: number;
  available: number;
  swapTotal: number;
  swapFree: number;
}

export type MemorySource = () => Promise<MemoryBytes>;

/** The value of one `Key:   value kB` line, found directly (meminfo has ~50 lines; we need ≤ 8). */
function field(text: string, key: string): number | undefined {
  let at = text.startsWith(`${key}:`) ? 0 : text.indexOf(`\n${key}:`);
  if (at < 0) return undefined;
  if (at > 0 || text[0] === '\n') at += 1;
  const value = Number.parseFloat(text.slice(at + key.length + 1, text.indexOf('\n', at)));
  return Number.isFinite(value) ? value : undefined;
}

export function parseMeminfo(text: string): MemoryBytes {
  const kb = (key: string) => field(text, key);
  const total = kb('MemTotal');
  if (total === undefined || total <= 0) throw new Error('no MemTotal in meminfo');
  // MemAvailable exists since Linux 3.14; before that, estimate it as the kernel's own formula does.
  const available =
    kb('MemAvailable') ??
    (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0) + (kb('SReclaimable') ?? 0);
  return {
    total: total * 1024,
    available: Math.min(available, total) * 1024,
    swapTotal: (kb('SwapTotal') ?? 0) * 1024,
    swapFree: (kb('SwapFree') ?? 0) * 1024,
  };
}

export function procMemorySource(procRoot: string): MemorySource {
  return async () => parseMeminfo(readProcFile(procRoot, 'meminfo'));
}

/** Swap changes slowly and systeminformation spawns a command for it, so it is cached this long. */
const SWAP_REFRESH_MS = 60_000;

export function osMemorySource(
  swap: () => Promise<{ swaptotal: number; swapfree: number }>,
  now: () => number,
): MemorySource {
  let cached = { swapTotal: 0, swapFree: 0 };
  let cachedAt = Number.NEGATIVE_INFINITY;
  return async () => {
    if (now() - cachedAt >= SWAP_REFRESH_MS) {
      cachedAt = now();
      try {
        const s = await swap();
        cached = { swapTotal: s.swaptotal, swapFree: s.swapfree };
      } catch {
        // Keep the last figures: swap is not worth failing the memory group for.
      }
    }
    return { total: os.totalmem(), available: os.freemem(), ...cached };
  };
}

export function toMemoryMetrics(m: MemoryBytes, threshold: number): MemoryMetrics {
  const used = m.total - m.available;
  const usedPercent = round((used / m.total) * 100, 1);
  const swapUsed = m.swapTotal - m.swapFree;
  return {
    total_gb: round(m.total / BYTES_PER_GB),
    used_gb: round(used / BYTES_PER_GB),
    available_gb: round(m.available / BYTES_PER_GB),
    used_percent: usedPercent,
    swap_total_gb: round(m.swapTotal / BYTES_PER_GB),
    swap_used_percent: m.swapTotal > 0 ? round((swapUsed / m.swapTotal) * 100, 1) : 0,
    limit_gb: null,
    machine_used_percent: usedPercent,
    machine_total_gb: round(m.total / BYTES_PER_GB),
    total_bytes: m.total,
    used_bytes: used,
    available_bytes: m.available,
    swap_total_bytes: m.swapTotal,
    // Judged on the exact share, not the rounded display (RT33-2).
    status: bandStatus((used / m.total) * 100),
    threshold,
  };
}

export function failedMemory(error: string, threshold: number): MemoryMetrics {
  return {
    total_gb: 0,
    used_gb: 0,
    available_gb: 0,
    used_percent: 0,
    swap_total_gb: 0,
    swap_used_percent: 0,
    limit_gb: null,
    machine_used_percent: 0,
    machine_total_gb: 0,
    status: 'unknown',
    error,
    threshold,
  };
}
