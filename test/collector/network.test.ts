import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type InterfaceCounters, NetworkCollector, parseNetDev } from '../../src/collector/network.js';
import { EDGE_FIXTURES, FakeClock, HOST_FIXTURE, netDevText } from './helpers/proc-root.js';

describe('parseNetDev', () => {
  it('reads a captured /proc/net/dev', () => {
    const m = parseNetDev(readFileSync(join(HOST_FIXTURE, 'net/dev'), 'latin1'));
    expect([...m.keys()]).toContain('lo');
    expect(m.get('eth0')?.bytesIn).toBe(391024843);
    expect(m.get('eth0')?.packetsOut).toBe(8422);
  });

  it('reads errors and drops, and names glued to large numbers', () => {
    const m = parseNetDev(readFileSync(join(EDGE_FIXTURES, 'net-dev-many'), 'latin1'));
    expect(m.get('eth0')).toEqual({
      bytesIn: 1000000,
      packetsIn: 2000,
      errorsIn: 3,
      droppedIn: 4,
      bytesOut: 500000,
      packetsOut: 1500,
      errorsOut: 5,
      droppedOut: 6,
    });
    expect(m.get('wlan0')?.bytesIn).toBe(200000000);
  });

  it('rejects a file that is not /proc/net/dev', () => {
    expect(() => parseNetDev('hello\n')).toThrow(/net\/dev/);
  });
});

function source(text: () => string) {
  return async (): Promise<Map<string, InterfaceCounters>> => parseNetDev(text());
}

describe('NetworkCollector', () => {
  it('sums every interface but loopback, with totals and per-second rates', async () => {
    const clock = new FakeClock();
    let text = readFileSync(join(EDGE_FIXTURES, 'net-dev-many'), 'latin1');
    const net = new NetworkCollector(
      source(() => text),
      clock.now,
    );
    const first = await net.collect();
    expect(first.interfaces).toEqual(['eth0', 'wlan0', 'docker0']);
    expect(first.bytes_in).toBe(201000000);
    expect(first.packets_out).toBe(101500);
    expect(first.errors_in).toBe(13);
    expect(first.errors_out).toBe(6);
    expect(first.dropped_in).toBe(24);
    expect(first.dropped_out).toBe(8);
    expect(first.bytes_in_per_sec).toBe(0); // no previous sample
    expect(first.status).toBe('healthy');

    text = netDevText([
      ['lo', 99999999, 999, 99999999, 999],
      ['eth0', 1000000 + 50_000, 2000 + 100, 500000 + 10_000, 1500 + 20],
      ['wlan0', 200000000 + 150_000, 300000 + 300, 40000000, 100000],
      ['docker0', 0, 0, 0, 0],
    ]);
    clock.advance(10_000);
    const second = await net.collect();
    expect(second.bytes_in_per_sec).toBe(20_000);
    expect(second.bytes_out_per_sec).toBe(1_000);
    expect(second.packets_in_per_sec).toBe(40);
    expect(second.packets_out_per_sec).toBe(2);
  });

  it('rates cover the span since construction when primed', async () => {
    const clock = new FakeClock();
    let text = netDevText([['eth0', 1000, 10, 0, 0]]);
    const net = new NetworkCollector(
      source(() => text),
      clock.now,
    );
    await net.prime();
    text = netDevText([['eth0', 3000, 30, 0, 0]]);
    clock.advance(2000);
    expect((await net.collect()).bytes_in_per_sec).toBe(1000);
  });

  it('counts nothing for a counter that went backwards or an interface that appeared', async () => {
    const clock = new FakeClock();
    let text = netDevText([['eth0', 1_000_000, 1000, 1_000_000, 1000]]);
    const net = new NetworkCollector(
      source(() => text),
      clock.now,
    );
    await net.collect();
    text = netDevText([
      ['eth0', 500, 5, 1_000_000 + 4000, 1000],
      ['eth1', 7_000_000, 7000, 0, 0],
    ]);
    clock.advance(1000);
    const m = await net.collect();
    expect(m.bytes_in_per_sec).toBe(0);
    expect(m.bytes_out_per_sec).toBe(4000);
    expect(m.bytes_in).toBe(7_000_500);
  });

  it('reports zero rates when the clock has not moved', async () => {
    const clock = new FakeClock();
    let n = 0;
    const net = new NetworkCollector(async () => {
      n += 1000;
      return parseNetDev(netDevText([['eth0', n, 1, 0, 0]]));
    }, clock.now);
    await net.collect();
    expect((await net.collect()).bytes_in_per_sec).toBe(0);
  });
  it('a sample less than 250 ms after the last repeats its rates and keeps the older baseline', async () => {
    const clock = new FakeClock();
    let text = netDevText([['eth0', 0, 0, 0, 0]]);
    const net = new NetworkCollector(
      source(() => text),
      clock.now,
    );
    await net.collect();
    text = netDevText([['eth0', 10_000, 10, 0, 0]]);
    clock.advance(1000);
    expect((await net.collect()).bytes_in_per_sec).toBe(10_000);
    // One 1500-byte packet 5 ms later: 300 kB/s over that span, which means nothing.
    text = netDevText([['eth0', 11_500, 11, 0, 0]]);
    clock.advance(5);
    const quick = await net.collect();
    expect(quick.bytes_in_per_sec).toBe(10_000);
    expect(quick.bytes_in).toBe(11_500);
    // The next sample covers the 1005 ms since the kept baseline.
    text = netDevText([['eth0', 20_050, 20, 0, 0]]);
    clock.advance(1000);
    expect((await net.collect()).bytes_in_per_sec).toBe(Math.round((10_050 / 1.005) * 10) / 10);
  });

  it('a new collector asked at once (a new cluster aggregator) keeps its baseline for the next sample', async () => {
    const clock = new FakeClock();
    let text = netDevText([['eth0', 1000, 1, 0, 0]]);
    const net = new NetworkCollector(
      source(() => text),
      clock.now,
    );
    await net.prime();
    clock.advance(10);
    await net.collect();
    text = netDevText([['eth0', 2010, 2, 0, 0]]);
    clock.advance(1000);
    // From the prime, 1010 ms earlier, not from the 10 ms sample.
    expect((await net.collect()).bytes_in_per_sec).toBe(1000);
  });
});
