import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  DiskCollector,
  type FsStats,
  type MountEntry,
  parseMounts,
  selectMounts,
} from '../../src/collector/disk.js';
import { EDGE_FIXTURES, FakeClock, HOST_FIXTURE } from './helpers/proc-root.js';

const GB = 1024 ** 3;

/** A statfs result with 4 KiB blocks: `totalGb` in size, `usedGb` used, the rest available. */
function fs(totalGb: number, usedGb: number, reservedGb = 0): FsStats {
  const bsize = 4096;
  const blocks = (totalGb * GB) / bsize;
  const bfree = ((totalGb - usedGb) * GB) / bsize;
  return { bsize, blocks, bfree, bavail: bfree - (reservedGb * GB) / bsize };
}

const mounts = (...entries: [string, string, string][]): MountEntry[] =>
  entries.map(([device, mount, type]) => ({ device, mount, type }));

describe('parseMounts and selectMounts', () => {
  it('keeps only the real partition of a captured host', () => {
    const all = parseMounts(readFileSync(join(HOST_FIXTURE, 'self/mounts'), 'latin1'));
    expect(all.length).toBeGreaterThan(5);
    expect(selectMounts(all)).toEqual([{ device: '/dev/vda', mount: '/', type: 'ext4' }]);
  });

  it('skips pseudo file systems, keeps an overlay root, one entry per device, the shortest mount', () => {
    const all = parseMounts(readFileSync(join(EDGE_FIXTURES, 'mounts-container-host'), 'latin1'));
    expect(selectMounts(all).map((m) => `${m.device} ${m.mount} ${m.type}`)).toEqual([
      'overlay / overlay',
      '/dev/nvme0n1p1 /data ext4',
      '/dev/nvme1n1 /mnt/My Backups xfs',
      'nas.local:/export/media /mnt/media nfs4',
      '/dev/sda2 /home btrfs',
      '/dev/sdb1 /run/media/ana/USB vfat',
    ]);
  });

  it('decodes octal escapes in mount points', () => {
    expect(parseMounts('/dev/sdc1 /media/a\\040b\\011c ext4 rw 0 0\n')[0]?.mount).toBe('/media/a b\tc');
  });
});

describe('DiskCollector', () => {
  function collector(
    list: MountEntry[],
    statfs: (path: string) => Promise<FsStats>,
    clock = new FakeClock(),
  ) {
    return new DiskCollector(async () => list, statfs, clock.now, 90, 50);
  }

  it('reports each partition in GB with a df-style used percentage', async () => {
    const stats: Record<string, FsStats> = { '/': fs(100, 40, 5), '/data': fs(500, 50) };
    const disk = collector(
      mounts(['/dev/sda1', '/', 'ext4'], ['/dev/sdb1', '/data', 'xfs']),
      async (p) => stats[p] as FsStats,
    );
    const m = await disk.collect();
    expect(m.partitions).toEqual([
      {
        mount: '/',
        filesystem: '/dev/sda1',
        type: 'ext4',
        total_gb: 100,
        used_gb: 40,
        free_gb: 55,
        total_bytes: 100 * GB,
        used_bytes: 40 * GB,
        free_bytes: 55 * GB,
        used_percent: 42.1, // 40 / (40 + 55): reserved blocks count as neither
        status: 'healthy',
      },
      {
        mount: '/data',
        filesystem: '/dev/sdb1',
        type: 'xfs',
        total_gb: 500,
        used_gb: 50,
        free_gb: 450,
        total_bytes: 500 * GB,
        used_bytes: 50 * GB,
        free_bytes: 450 * GB,
        used_percent: 10,
        status: 'healthy',
      },
    ]);
    expect(m.max_used_percent).toBe(42.1);
    expect(m.status).toBe('healthy');
    expect(m.threshold).toBe(90);
  });

  it('gives each partition a band status and the group the worst of them', async () => {
    const stats: Record<string, FsStats> = { '/': fs(100, 75), '/a': fs(100, 20), '/b': fs(100, 86) };
    const disk = collector(
      mounts(['/dev/a', '/', 'ext4'], ['/dev/b', '/a', 'ext4'], ['/dev/c', '/b', 'ext4']),
      async (p) => stats[p] as FsStats,
    );
    let m = await disk.collect();
    expect(m.partitions.map((p) => p.status)).toEqual(['warning', 'healthy', 'critical']);
    expect(m.status).toBe('critical');
    expect(m.max_used_percent).toBe(86);
    stats['/b'] = fs(100, 10);
    m = await disk.collect();
    expect(m.status).toBe('warning');
  });

  it('leaves out mounts it may not stat and file systems of size 0', async () => {
    const disk = collector(
      mounts(['/dev/a', '/', 'ext4'], ['fuse', '/mnt/secret', 'fuse.sshfs'], ['x', '/mnt/zero', 'weirdfs']),
      async (p) => {
        if (p === '/mnt/secret') throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        if (p === '/mnt/zero') return { bsize: 4096, blocks: 0, bfree: 0, bavail: 0 };
        return fs(10, 1);
      },
    );
    const m = await disk.collect();
    expect(m.partitions.map((p) => p.mount)).toEqual(['/']);
    expect(m.status).toBe('healthy');
  });

  it('shows a hanging mount as unknown with its last figures, and never stats it twice at once', async () => {
    let hang = false;
    const statfs = vi.fn((p: string) => {
      if (p === '/mnt/nfs' && hang) return new Promise<FsStats>(() => {});
      return Promise.resolve(p === '/' ? fs(10, 1) : fs(100, 30));
    });
    const disk = collector(mounts(['/dev/a', '/', 'ext4'], ['nas:/x', '/mnt/nfs', 'nfs4']), statfs);
    expect((await disk.collect()).partitions[1]?.status).toBe('healthy');
    hang = true;
    for (let i = 0; i < 3; i++) {
      const m = await disk.collect();
      expect(m.partitions[1]).toMatchObject({ mount: '/mnt/nfs', status: 'unknown', used_percent: 30 });
      expect(m.status).toBe('healthy'); // the worst known status; unknown does not mask it
      expect(m.max_used_percent).toBe(10);
    }
    expect(statfs.mock.calls.filter(([p]) => p === '/mnt/nfs')).toHaveLength(2);
  });

  it('re-reads the mount list once a minute', async () => {
    const clock = new FakeClock();
    const source = vi.fn(async () => mounts(['/dev/a', '/', 'ext4']));
    const disk = new DiskCollector(source, async () => fs(10, 1), clock.now, 90, 50);
    await disk.collect();
    clock.advance(59_000);
    await disk.collect();
    expect(source).toHaveBeenCalledTimes(1);
    clock.advance(1_000);
    await disk.collect();
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('is unknown with no partition at all', async () => {
    const m = await collector([], async () => fs(1, 1)).collect();
    expect(m).toMatchObject({ partitions: [], max_used_percent: 0, status: 'unknown' });
  });
});
