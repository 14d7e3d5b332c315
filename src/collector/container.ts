// Container limits from cgroup v2 (memory.max, cpu.max) and process.constrainedMemory(): the limit,
// and the memory and CPU the cgroup uses against it, so that a container at 95 % of its 512 MB limit
// does not look healthy because the host has 64 GB free.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { bandStatus, cpuJudgedPercent, round, withExactPercent } from '../alerts/status.js';
import type { CpuMetrics, MemoryMetrics } from '../types.js';
import { BYTES_PER_GB } from './proc.js';

/** What the container allows and uses; nulls where there is no limit or nothing to read. */
export interface ContainerReading {
  /** memory.max (or process.constrainedMemory()) in bytes; null with no limit below the machine's memory. */
  memoryLimitBytes: number | null;
  /** The cgroup's working set (memory.current − inactive_file), or this process's RSS when the cgroup does not say. */
  memoryUsedBytes: number | null;
  /** cpu.max quota ÷ period; null with no quota. */
  cpuLimitCores: number | null;
  /** CPU the cgroup used since the previous reading, as a percentage of the quota; null without a quota. */
  cpuPercent: number | null;
}

/** Limits change rarely (a `docker update`): re-read at most this often. */
const LIMITS_REFRESH_MS = 60_000;

/** `memory.max`: bytes, or `max` for none. */
export function parseMemoryMax(text: string): number | null {
  const t = text.trim();
  if (t === 'max' || t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** `cpu.max`: `<quota> <period>` in µs, quota `max` for none. Returns cores (quota ÷ period). */
export function parseCpuMax(text: string): number | null {
  const [quota, period = '100000'] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return null;
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : null;
}

/** A `key value` line of a flat-keyed cgroup file (cpu.stat `usage_usec`, memory.stat `inactive_file`). */
export function parseKeyedValue(text: string, key: string): number | null {
  const prefix = `${key} `;
  let at = 0;
  if (!text.startsWith(prefix)) {
    const line = text.indexOf(`\n${prefix}`);
    if (line < 0) return null;
    at = line + 1;
  }
  const end = text.indexOf('\n', at);
  const n = Number(text.slice(at + prefix.length, end < 0 ? undefined : end));
  return Number.isFinite(n) ? n : null;
}

/** The cgroup v2 path of this process (`0::/path` in /proc/self/cgroup), or null on cgroup v1 only. */
export function parseCgroupPath(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim() || '/';
  }
  return null;
}

function tryRead(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

export interface ContainerSourceOptions {
  procRoot: string;
  /** Where sysfs is mounted; the cgroup v2 tree is `<sysRoot>/fs/cgroup`. */
  sysRoot: string;
  /** Milliseconds, for CPU rates and the limits' refresh. */
  now: () => number;
  /** process.constrainedMemory where it exists; undefined to read the cgroup files only. */
  constrainedMemory?: () => number | undefined;
  /** The machine's memory, bytes: a "limit" at or above it is no limit. */
  machineMemory?: number;
}

/** Reads the container's limits and usage each sample (a few small sysfs files, only when limited). */
export class ContainerCollector {
  private dir: string | null | undefined;
  private limitsAt = Number.NEGATIVE_INFINITY;
  private memoryLimit: number | null = null;
  private cpuLimit: number | null = null;
  private lastUsage: { usec: number; at: number } | null = null;
  private readonly machineMemory: number;

  constructor(private readonly options: ContainerSourceOptions) {
    this.machineMemory = options.machineMemory ?? os.totalmem();
  }

  /** Limits and usage; the CPU share since the previous reading, which `close` false (a read) keeps as the base. */
  read(close = true): ContainerReading {
    const now = this.options.now();
    if (now - this.limitsAt >= LIMITS_REFRESH_MS) {
      this.limitsAt = now;
      this.refreshLimits();
    }
    const dir = this.dir;
    let memoryUsedBytes: number | null = null;
    if (this.memoryLimit !== null) {
      const current = dir ? tryRead(join(dir, 'memory.current')) : null;
      if (current !== null) {
        const stat = tryRead(join(dir as string, 'memory.stat'));
        const inactive = stat === null ? 0 : (parseKeyedValue(stat, 'inactive_file') ?? 0);
        memoryUsedBytes = Math.max(0, Number(current.trim()) - inactive);
      } else {
        memoryUsedBytes = process.memoryUsage.rss();
      }
    }
    let cpuPercent: number | null = null;
    if (this.cpuLimit !== null && dir) {
      const stat = tryRead(join(dir, 'cpu.stat'));
      const usec = stat === null ? null : parseKeyedValue(stat, 'usage_usec');
      if (usec !== null) {
        const prev = this.lastUsage;
        if (prev && now > prev.at && usec >= prev.usec) {
          cpuPercent = ((usec - prev.usec) / 1000 / (now - prev.at) / this.cpuLimit) * 100;
        }
        if (close || !prev) this.lastUsage = { usec, at: now };
      }
    }
    return {
      memoryLimitBytes: this.memoryLimit,
      memoryUsedBytes,
      cpuLimitCores: this.cpuLimit,
      cpuPercent: cpuPercent === null ? null : Math.max(0, cpuPercent),
    };
  }

  private refreshLimits(): void {
    const { procRoot, sysRoot, constrainedMemory } = this.options;
    if (this.dir === undefined) {
      const root = join(sysRoot, 'fs', 'cgroup');
      const text = tryRead(join(procRoot, 'self', 'cgroup'));
      const path = text === null ? null : parseCgroupPath(text);
      // Inside a container the cgroup namespace makes its own cgroup the root of the mount.
      const own = path === null ? null : join(root, path);
      if (own !== null && tryRead(join(own, 'memory.max')) !== null) this.dir = own;
      else if (tryRead(join(root, 'memory.max')) !== null || tryRead(join(root, 'cpu.max')) !== null)
        this.dir = root;
      else this.dir = null;
    }
    const dir = this.dir;
    let memory = dir ? parseMemoryMax(tryRead(join(dir, 'memory.max')) ?? 'max') : null;
    if (memory === null && constrainedMemory) {
      const c = constrainedMemory();
      if (typeof c === 'number' && c > 0) memory = c;
    }
    this.memoryLimit = memory !== null && memory < this.machineMemory ? memory : null;
    this.cpuLimit = dir ? parseCpuMax(tryRead(join(dir, 'cpu.max')) ?? 'max') : null;
  }
}

/**
 * The memory group against the container's limit when there is one: total, used, available and
 * used_percent become the container's, `limit_gb` says so, and the machine's figures stay in
 * `machine_used_percent` and `machine_total_gb`.
 */
export function memoryInContainer(memory: MemoryMetrics, c: ContainerReading): MemoryMetrics {
  if (memory.error !== undefined || c.memoryLimitBytes === null || c.memoryUsedBytes === null) return memory;
  const limit = c.memoryLimitBytes;
  const used = Math.min(c.memoryUsedBytes, limit);
  const percent = round((used / limit) * 100, 1);
  return {
    ...memory,
    total_gb: round(limit / BYTES_PER_GB),
    used_gb: round(used / BYTES_PER_GB),
    available_gb: round((limit - used) / BYTES_PER_GB),
    used_percent: percent,
    limit_gb: round(limit / BYTES_PER_GB, 3),
    total_bytes: limit,
    used_bytes: used,
    available_bytes: limit - used,
    // Judged on the exact share, not the rounded display (RT33-2).
    status: bandStatus((used / limit) * 100),
  };
}

/** The CPU group against the container's quota when there is one (`machine_percent` keeps the machine's). */
export function cpuInContainer(cpu: CpuMetrics, c: ContainerReading): CpuMetrics {
  if (cpu.error !== undefined || c.cpuLimitCores === null) return cpu;
  if (c.cpuPercent === null) {
    return withExactPercent({ ...cpu, limit_cores: round(c.cpuLimitCores, 3) }, cpuJudgedPercent(cpu) ?? NaN);
  }
  const percent = round(c.cpuPercent, 1);
  // Judged on the exact share, not the rounded display (RT33-2).
  return withExactPercent(
    {
      ...cpu,
      current_percent: percent,
      limit_cores: round(c.cpuLimitCores, 3),
      status: bandStatus(c.cpuPercent),
    },
    c.cpuPercent,
  );
}
