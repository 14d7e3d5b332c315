// Disk usage per real partition: the mount list (re-read once a minute) and one statfs per partition,
// each bounded by a deadline and never overlapping itself, so a hung network mount cannot pile up
// threads in libuv's small pool.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { bandStatus, round, worstStatus } from '../alerts/status.js';
import type { DiskMetrics, DiskPartition } from '../types.js';
import { SharedDeadline } from './deadline.js';
import { BYTES_PER_GB } from './proc.js';

export interface MountEntry {
  device: string;
  mount: string;
  type: string;
}

export interface FsStats {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

export type StatFs = (path: string) => Promise<FsStats>;
export type MountSource = () => Promise<MountEntry[]>;

/** Kernel and virtual file systems that hold no user data (psutil's `all=False` idea, spelled out). */
const PSEUDO_TYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nfsd',
  'nsfs',
  'overlay', // container layers; kept only when it is the root file system (see selectMounts)
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs', // snaps and live images: read-only, always 100 % full
  'sysfs',
  'tmpfs',
  'tracefs',
]);

const PSEUDO_PREFIXES = ['/proc/', '/sys/', '/dev/'];

/** The list is slow-changing; re-reading it costs more than the statfs calls on a busy host. */
const MOUNTS_REFRESH_MS = 60_000;

/** `/proc/self/mounts` escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mount, type] = line.split(' ');
    if (!device || !mount || !type) continue;
    out.push({ device: unescapeMount(device), mount: unescapeMount(mount), type });
  }
  return out;
}

/** Real partitions only, one per device (the shortest mount path wins, so `/` beats bind mounts). */
export function selectMounts(entries: readonly MountEntry[]): MountEntry[] {
  const byDevice = new Map<string, MountEntry>();
  for (const e of entries) {
    if (e.type === 'overlay' ? e.mount !== '/' : PSEUDO_TYPES.has(e.type)) continue;
    if (PSEUDO_PREFIXES.some((p) => e.mount.startsWith(p))) continue;
    const seen = byDevice.get(e.device);
    if (!seen || e.mount.length < seen.mount.length) byDevice.set(e.device, e);
  }
  return [...byDevice.values()];
}

/** Read asynchronously: it is read once a minute, and on a host with thousands of mounts it is large. */
export function procMountSource(procRoot: string): MountSource {
  return async () => parseMounts(await fsp.readFile(join(procRoot, 'self/mounts'), 'latin1'));
}

export const nodeStatFs: StatFs = (path) => fsp.statfs(path);

function toPartition(m: MountEntry, s: FsStats): DiskPartition | undefined {
  if (!(s.blocks > 0)) return undefined; // size 0: a pseudo file system we did not know by name
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  // As df and psutil do: the share of the space available to unprivileged users that is used.
  const usedPercent = used + free > 0 ? round((used / (used + free)) * 100, 1) : 0;
  return {
    mount: m.mount,
    filesystem: m.device,
    type: m.type,
    total_gb: round(total / BYTES_PER_GB),
    used_gb: round(used / BYTES_PER_GB),
    free_gb: round(free / BYTES_PER_GB),
    total_bytes: total,
    used_bytes: used,
    free_bytes: free,
    used_percent: usedPercent,
    // Judged on the exact share, not the rounded display (RT33-2).
    status: bandStatus(used + free > 0 ? (used / (used + free)) * 100 : 0),
  };
}

export class DiskCollector {
  private mounts: MountEntry[] = [];
  private mountsAt = Number.NEGATIVE_INFINITY;
  /** statfs calls that have not settled yet, by mount point. */
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly last = new Map<string, DiskPartition>();

  constructor(
    private readonly mountSource: MountSource,
    private readonly statfs: StatFs,
    private readonly now: () => number,
    private readonly threshold: number,
    /** A partition whose statfs takes longer shows as `unknown` instead of holding up the group. */
    private readonly statTimeoutMs: number,
  ) {}

  async collect(): Promise<DiskMetrics> {
    if (this.now() - this.mountsAt >= MOUNTS_REFRESH_MS) {
      this.mounts = selectMounts(await this.mountSource());
      this.mountsAt = this.now();
      const current = new Set(this.mounts.map((m) => m.mount));
      for (const mount of this.last.keys()) if (!current.has(mount)) this.last.delete(mount);
    }
    const deadline = new SharedDeadline(this.statTimeoutMs, 'statfs timed out');
    let results: (DiskPartition | undefined)[];
    try {
      results = await Promise.all(this.mounts.map((m) => this.partition(m, deadline)));
    } finally {
      deadline.clear();
    }
    const partitions = results.filter((p): p is DiskPartition => p !== undefined);
    let max = 0;
    for (const p of partitions) if (p.status !== 'unknown' && p.used_percent > max) max = p.used_percent;
    return {
      partitions,
      max_used_percent: max,
      status: worstStatus(partitions.map((p) => p.status)),
      threshold: this.threshold,
    };
  }

  private async partition(m: MountEntry, deadline: SharedDeadline): Promise<DiskPartition | undefined> {
    if (this.pending.has(m.mount)) return this.stale(m); // the previous statfs is still hanging
    const call = this.statfs(m.mount);
    this.pending.set(m.mount, call);
    call.then(
      () => this.pending.delete(m.mount),
      () => this.pending.delete(m.mount),
    );
    try {
      const stats = await deadline.race(call);
      const p = toPartition(m, stats);
      if (p) this.last.set(m.mount, p);
      else this.last.delete(m.mount);
      return p;
    } catch {
      if (this.pending.has(m.mount)) return this.stale(m);
      // Refused (EACCES on someone else's FUSE mount) or gone: not a partition we can report.
      this.last.delete(m.mount);
      return undefined;
    }
  }

  /** A hanging mount stays listed, with its last known figures, as `unknown`. */
  private stale(m: MountEntry): DiskPartition {
    const known = this.last.get(m.mount);
    return {
      mount: m.mount,
      filesystem: m.device,
      type: m.type,
      total_gb: known?.total_gb ?? 0,
      used_gb: known?.used_gb ?? 0,
      free_gb: known?.free_gb ?? 0,
      ...(known?.total_bytes === undefined
        ? {}
        : { total_bytes: known.total_bytes, used_bytes: known.used_bytes, free_bytes: known.free_bytes }),
      used_percent: known?.used_percent ?? 0,
      status: 'unknown',
    };
  }
}

export function failedDisk(error: string, threshold: number): DiskMetrics {
  return { partitions: [], max_used_percent: 0, status: 'unknown', error, threshold };
}
