// Prometheus host families from the real collectors' output: exact bytes, and network counters that never go back.

import { describe, expect, it } from 'vitest';
import { DiskCollector, type FsStats } from '../../src/collector/disk.js';
import { toMemoryMetrics } from '../../src/collector/memory.js';
import { type InterfaceCounters, NetworkCollector, parseNetDev } from '../../src/collector/network.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { FakeClock, netDevText } from '../collector/helpers/proc-root.js';
import { snapshotFixture } from './prometheus-fixture.js';
import { parseExposition, sampleValue } from './prometheus-parse.js';

describe('Prometheus host families', () => {
  // Outside review: the byte gauges were rebuilt from total_gb etc., rounded to 0.01 GB for the JSON
  // (up to 5 MiB off). Oracle: the bytes the collector read.
  it('exports memory and disk sizes in the exact bytes read, not from the rounded GB', async () => {
    const raw = { total: 16_777_216_123, available: 7_000_000_001, swapTotal: 2_147_483_999, swapFree: 1 };
    const memory = toMemoryMetrics(raw, 90);
    const bsize = 4096;
    const stats: FsStats = { bsize, blocks: 26_214_411, bfree: 10_000_003, bavail: 9_000_007 };
    const clock = new FakeClock();
    const disk = await new DiskCollector(
      async () => [{ device: '/dev/sda1', mount: '/', type: 'ext4' }],
      async () => stats,
      clock.now,
      90,
      50,
    ).collect();
    const base = snapshotFixture();
    const f = parseExposition(renderPrometheus({ snapshot: { ...base, memory, disk } }));
    expect(sampleValue(f, 'sysvitals_memory_total_bytes')).toBe(raw.total);
    expect(sampleValue(f, 'sysvitals_memory_used_bytes')).toBe(raw.total - raw.available);
    expect(sampleValue(f, 'sysvitals_memory_available_bytes')).toBe(raw.available);
    expect(sampleValue(f, 'sysvitals_swap_total_bytes')).toBe(raw.swapTotal);
    const root = { mountpoint: '/' };
    expect(sampleValue(f, 'sysvitals_disk_size_bytes', root)).toBe(stats.blocks * bsize);
    expect(sampleValue(f, 'sysvitals_disk_used_bytes', root)).toBe((stats.blocks - stats.bfree) * bsize);
    expect(sampleValue(f, 'sysvitals_disk_free_bytes', root)).toBe(stats.bavail * bsize);
  });

  // Outside review: the network counters were sums over the interfaces present, so removing a veth made
  // every one of them go back (a counter reset to rate()). Oracle: each interface's own /proc/net/dev counters.
  it('keeps one series per interface: a removed interface ends its series, none goes back', async () => {
    const clock = new FakeClock();
    let rows: [string, number, number, number, number][] = [
      ['lo', 5, 5, 5, 5],
      ['eth0', 1_000_000, 1000, 400_000, 400],
      ['veth1', 9_000_000, 9000, 8_000_000, 8000],
    ];
    const source = async (): Promise<Map<string, InterfaceCounters>> => parseNetDev(netDevText(rows));
    const net = new NetworkCollector(source, clock.now);
    const scrape = async () => {
      clock.advance(10_000);
      const network = await net.collect();
      return parseExposition(renderPrometheus({ snapshot: { ...snapshotFixture(), network } }));
    };
    const series = (f: ReturnType<typeof parseExposition>, name: string) =>
      Object.fromEntries(
        (f.get(name)?.samples ?? []).map((s) => [JSON.stringify(s.labels), s.value] as [string, number]),
      );
    const names = [
      'sysvitals_network_receive_bytes_total',
      'sysvitals_network_transmit_bytes_total',
      'sysvitals_network_receive_packets_total',
      'sysvitals_network_transmit_packets_total',
    ];
    const before = await scrape();
    expect(series(before, 'sysvitals_network_receive_bytes_total')).toEqual({
      '{"device":"eth0"}': 1_000_000,
      '{"device":"veth1"}': 9_000_000,
    });
    rows = [
      ['lo', 6, 6, 6, 6],
      ['eth0', 1_500_000, 1500, 600_000, 600],
    ]; // veth1 removed
    const after = await scrape();
    expect(series(after, 'sysvitals_network_transmit_bytes_total')).toEqual({ '{"device":"eth0"}': 600_000 });
    for (const name of names) {
      const was = series(before, name);
      for (const [labels, value] of Object.entries(series(after, name))) {
        expect(value, `${name}${labels}`).toBeGreaterThanOrEqual(was[labels] ?? 0);
      }
    }
  });
});
