import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  CpuCollector,
  type CpuSource,
  type CpuTimes,
  parseCpuInfo,
  parseLoadAverage,
  parseProcStat,
  procCpuSource,
} from '../../src/collector/cpu.js';
import { EDGE_FIXTURES, FakeClock, HOST_FIXTURE, makeProcRoot, statText } from './helpers/proc-root.js';

function fakeSource(initial: CpuTimes) {
  const state = { times: initial };
  const source: CpuSource = {
    ticksPerSecond: 100,
    times: () => state.times,
    facts: vi.fn(async () => ({ model: 'Test CPU', mhz: 2400.5 })),
    loadAverage: () => [0.5, 0.25, 0.125],
  };
  return { source, state };
}

/** Advances the fake counters by `seconds` of wall time on 2 cores at `busyPercent`. */
function advance(state: { times: CpuTimes }, clock: FakeClock, seconds: number, busyPercent: number) {
  const ticks = seconds * 100 * 2;
  state.times = {
    busy: state.times.busy + (ticks * busyPercent) / 100,
    total: state.times.total + ticks,
    cores: 2,
  };
  clock.advance(seconds * 1000);
}

describe('parseProcStat', () => {
  it('reads the aggregate line of a captured /proc/stat and counts cores', () => {
    const t = parseProcStat(readFileSync(join(HOST_FIXTURE, 'stat'), 'latin1'));
    expect(t.cores).toBe(2);
    expect(t.total).toBeGreaterThan(t.busy);
    expect(t.busy).toBeGreaterThan(0);
  });

  it('counts iowait as idle and steal as busy', () => {
    const t = parseProcStat('cpu  100 20 30 800 50 0 0 10 7 0\ncpu0 1 1 1 1 1 1 1 1 1 1\n');
    expect(t).toEqual({ busy: 160, total: 1010, cores: 1 });
  });

  it('rejects a file without a cpu line', () => {
    expect(() => parseProcStat('intr 1 2 3\n')).toThrow(/no cpu line/);
    expect(() => parseProcStat('cpu  a b c d\n')).toThrow(/unreadable/);
  });
});

describe('parseCpuInfo and parseLoadAverage', () => {
  it('reads model and average MHz from a captured x86 cpuinfo', () => {
    const f = parseCpuInfo(readFileSync(join(HOST_FIXTURE, 'cpuinfo'), 'latin1'));
    expect(f.model).toBe('Intel(R) Xeon(R) Processor');
    expect(f.mhz).toBe(2100);
  });

  it('averages MHz over cores', () => {
    expect(parseCpuInfo('model name\t: X\ncpu MHz\t\t: 1000.0\ncpu MHz\t\t: 3000.0\n').mhz).toBe(2000);
  });

  it('asks the fallback for the speed when cpuinfo has none (ARM)', async () => {
    const proc = makeProcRoot();
    try {
      proc.write('cpuinfo', readFileSync(join(EDGE_FIXTURES, 'cpuinfo-arm'), 'latin1'));
      const fallback = vi.fn(async () => 2600);
      const facts = await procCpuSource(proc.root, fallback).facts();
      expect(facts.mhz).toBe(2600);
      expect(fallback).toHaveBeenCalledTimes(1);
    } finally {
      proc.cleanup();
    }
  });

  it('parses loadavg', () => {
    expect(parseLoadAverage('0.14 0.22 0.13 1/150 10338\n')).toEqual([0.14, 0.22, 0.13]);
    expect(() => parseLoadAverage('')).toThrow();
  });
});

describe('CpuCollector', () => {
  it('without a span behind it measures a first window itself, never the share since boot', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 250, total: 1000, cores: 2 }); // 25 % since boot
    const waits: number[] = [];
    const wait = async (ms: number) => {
      waits.push(ms);
      advance(state, clock, 0.25, 60); // 50 ticks, 30 busy
    };
    const m = await new CpuCollector(source, clock.now, 80, 250, wait).collect();
    expect(waits).toEqual([250]);
    expect(m.current_percent).toBe(60);
    expect(m.avg_5min_percent).toBeNull();
    expect(m.avg_15min_percent).toBeNull();
    expect(m.core_count).toBe(2);
    expect(m.frequency_mhz).toBe(2400.5);
    expect(m.model).toBe('Test CPU');
    expect(m.load_average).toEqual([0.5, 0.25, 0.13]);
    expect(m.threshold).toBe(80);
  });

  it('measures current use since the previous sample', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 9000, total: 10000, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    advance(state, clock, 5, 40);
    expect((await cpu.collect()).current_percent).toBe(40);
    advance(state, clock, 5, 10);
    expect((await cpu.collect()).current_percent).toBe(10);
  });

  it('repeats the last figure for a span too short to measure, then measures from the older baseline', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 0, total: 100_000, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    advance(state, clock, 5, 30);
    expect((await cpu.collect()).current_percent).toBe(30);
    state.times = { busy: state.times.busy + 1, total: state.times.total + 2, cores: 2 }; // one tick each
    expect((await cpu.collect()).current_percent).toBe(30);
    advance(state, clock, 1, 70);
    // measured from the sample before the short one: (1 + 140) busy of (2 + 200) ticks
    expect((await cpu.collect()).current_percent).toBe(69.8); // 141 / 202
  });

  it('averages over 5 and 15 minutes from its own samples, whatever the sample rate', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 0, total: 0, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    for (let s = 0; s < 600; s += 5) {
      advance(state, clock, 5, 20); // 10 minutes at 20 %, sampled every 5 s
      await cpu.collect();
    }
    for (let s = 0; s < 600; s += 1) {
      advance(state, clock, 1, 80); // then 10 minutes at 80 %, sampled every second
      await cpu.collect();
    }
    const m = await cpu.collect();
    expect(m.current_percent).toBe(80);
    expect(m.avg_5min_percent).toBe(80);
    expect(m.avg_15min_percent).toBe(60); // 5 min at 20 % + 10 min at 80 %
  });

  it('reports no 5- or 15-minute average until its own samples cover the window', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 0, total: 0, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    advance(state, clock, 30, 50);
    await cpu.collect();
    advance(state, clock, 30, 10);
    let m = await cpu.collect();
    expect(m.current_percent).toBe(10);
    expect(m.avg_5min_percent).toBeNull();
    expect(m.avg_15min_percent).toBeNull();
    for (let s = 90; s < 300; s += 30) {
      advance(state, clock, 30, 40);
      m = await cpu.collect();
      expect(m.avg_5min_percent).toBeNull(); // 4.5 minutes are not 5
    }
    advance(state, clock, 30, 40);
    m = await cpu.collect(); // 5 minutes since the baseline: 30 s at 50, 30 s at 10, 240 s at 40
    expect(m.avg_5min_percent).toBe(38);
    expect(m.avg_15min_percent).toBeNull();
  });

  it('starts over when the counters go backwards', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 5000, total: 10000, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80, 250, async () => {
      advance(state, clock, 1, 35); // the window it measures after the restart
    });
    cpu.prime();
    state.times = { busy: 100, total: 1000, cores: 2 }; // 10 % since that boot: not a measurement
    clock.advance(5000);
    const m = await cpu.collect();
    expect(m.current_percent).toBe(35);
    expect(m.avg_15min_percent).toBeNull();
  });

  it('reads model and speed once a minute, not every sample', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 0, total: 0, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80, 250, async () => {});
    for (let i = 0; i < 12; i++) {
      advance(state, clock, 5, 10);
      await cpu.collect();
    }
    expect(source.facts).toHaveBeenCalledTimes(1);
    advance(state, clock, 5, 10);
    await cpu.collect();
    expect(source.facts).toHaveBeenCalledTimes(2);
  });

  it('maps utilisation to the 70/85 health bands', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 0, total: 0, cores: 2 });
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    const statusAt = async (p: number) => {
      advance(state, clock, 5, p);
      return (await cpu.collect()).status;
    };
    expect(await statusAt(69)).toBe('healthy');
    expect(await statusAt(70)).toBe('warning');
    expect(await statusAt(85)).toBe('warning');
    expect(await statusAt(90)).toBe('critical');
  });

  it('keeps working when model, speed or load average cannot be read', async () => {
    const clock = new FakeClock();
    const { source, state } = fakeSource({ busy: 1, total: 2, cores: 2 });
    source.facts = async () => {
      throw new Error('no cpuinfo');
    };
    source.loadAverage = () => {
      throw new Error('no loadavg');
    };
    const cpu = new CpuCollector(source, clock.now, 80);
    cpu.prime();
    advance(state, clock, 5, 50);
    const m = await cpu.collect();
    expect(m.status).toBe('healthy');
    expect(m.current_percent).toBe(50);
    expect(m.load_average).toEqual([0, 0, 0]);
    expect(m.frequency_mhz).toBe(0);
  });

  it('reads a procfs tree end to end', async () => {
    const proc = makeProcRoot();
    try {
      const clock = new FakeClock();
      proc.write('stat', statText(1000, 9000, 4));
      const cpu = new CpuCollector(
        procCpuSource(proc.root, async () => 0),
        clock.now,
        80,
      );
      cpu.prime();
      proc.write('stat', statText(1000 + 300, 9000 + 100, 4));
      clock.advance(1000);
      const m = await cpu.collect();
      expect(m.current_percent).toBe(75);
      expect(m.core_count).toBe(4);
      expect(m.status).toBe('warning');
    } finally {
      proc.cleanup();
    }
  });

  it('a first collection right after the baseline measures the exact share of a fake /proc window', async () => {
    const proc = makeProcRoot();
    try {
      const clock = new FakeClock();
      proc.write('stat', statText(900_000, 100_000, 2)); // 90 % since boot
      const waits: number[] = [];
      const cpu = new CpuCollector(
        procCpuSource(proc.root, async () => 0),
        clock.now,
        80,
        250,
        async (ms) => {
          waits.push(ms);
          proc.write('stat', statText(900_000 + 13, 100_000 + 39, 2)); // 13 of 52 ticks busy in the window
          clock.advance(ms);
        },
      );
      cpu.prime();
      clock.advance(40); // collect() 40 ms after the baseline: too short a span, so it waits the rest
      const m = await cpu.collect();
      expect(waits).toEqual([210]);
      expect(m.current_percent).toBe(25);
      expect(m.avg_5min_percent).toBeNull();
      expect(m.avg_15min_percent).toBeNull();
      proc.write('stat', statText(900_000 + 13 + 700, 100_000 + 39 + 300, 2));
      clock.advance(5000);
      expect((await cpu.collect()).current_percent).toBe(70); // then since the previous collection
      expect(waits).toEqual([210]);
    } finally {
      proc.cleanup();
    }
  });

  it('counters that did not move in the first window: unknown with an error, not the share since boot', async () => {
    const proc = makeProcRoot();
    try {
      const clock = new FakeClock();
      proc.write('stat', statText(900_000, 100_000, 2)); // a static copy of /proc
      const cpu = new CpuCollector(
        procCpuSource(proc.root, async () => 0),
        clock.now,
        80,
        250,
        async () => {},
      );
      cpu.prime();
      const m = await cpu.collect();
      expect(m).toMatchObject({ current_percent: 0, avg_5min_percent: null, status: 'unknown' });
      expect(m.error).toBe('no CPU time passed in 250 ms: the counters did not move');
    } finally {
      proc.cleanup();
    }
  });
});
