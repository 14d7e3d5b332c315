// Network I/O over the host's interfaces: totals since boot and per-second rates since the previous sample (per
// interface, so a counter reset or an interface going away does not show as a negative or huge rate). The totals
// count each byte once: on a host with physical interfaces only those are summed, because a container's bytes
// cross its veth, the bridge and the uplink (outside review 24, RT24-6: a Docker host counted them 2-3 times);
// every interface stays in `by_interface` and Prometheus. A host without one (a container's own namespace, whose
// eth0 is itself a veth) sums every interface but loopback.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { round } from '../alerts/status.js';
import type { InterfaceTotals, NetworkMetrics } from '../types.js';
import { readProcFile } from './proc.js';

export interface InterfaceCounters {
  bytesIn: number;
  packetsIn: number;
  errorsIn: number;
  droppedIn: number;
  bytesOut: number;
  packetsOut: number;
  errorsOut: number;
  droppedOut: number;
}

export type NetworkSource = () => Promise<Map<string, InterfaceCounters>>;

const COUNTER_KEYS: readonly (keyof InterfaceCounters)[] = [
  'bytesIn',
  'packetsIn',
  'errorsIn',
  'droppedIn',
  'bytesOut',
  'packetsOut',
  'errorsOut',
  'droppedOut',
];

/**
 * `/proc/net/dev`: two header lines, then `iface: rx_bytes rx_packets rx_errs rx_drop fifo frame
 * compressed multicast tx_bytes tx_packets tx_errs tx_drop …`.
 */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  let sawHeader = false;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (line.includes('|')) sawHeader = true;
      continue;
    }
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (!name || f.length < 12 || f.some((n) => !Number.isFinite(n))) continue;
    out.set(name, {
      bytesIn: f[0] as number,
      packetsIn: f[1] as number,
      errorsIn: f[2] as number,
      droppedIn: f[3] as number,
      bytesOut: f[8] as number,
      packetsOut: f[9] as number,
      errorsOut: f[10] as number,
      droppedOut: f[11] as number,
    });
  }
  if (!sawHeader) throw new Error('not a /proc/net/dev file');
  return out;
}

export function procNetworkSource(procRoot: string): NetworkSource {
  return async () => parseNetDev(readProcFile(procRoot, 'net/dev'));
}

/** The interfaces the kernel lists as virtual (`<sysRoot>/devices/virtual/net`); null when it cannot be read. */
export type VirtualInterfaces = () => ReadonlySet<string> | null;

/** Reads `<sysRoot>/devices/virtual/net` (Linux sysfs: bridges, veths, tunnels, bonds, VLANs, loopback). */
export function sysVirtualInterfaces(sysRoot: string | null): VirtualInterfaces {
  if (sysRoot === null) return () => null;
  const dir = join(sysRoot, 'devices', 'virtual', 'net');
  return () => {
    try {
      return new Set(readdirSync(dir));
    } catch {
      return null;
    }
  };
}

/**
 * The interfaces the totals and rates sum: the physical ones when the kernel says which are virtual and some are
 * not, else all of them (loopback is already gone).
 */
function summedNames(names: Iterable<string>, virtual: ReadonlySet<string> | null): string[] {
  const all = [...names];
  if (!virtual) return all;
  const physical = all.filter((n) => !virtual.has(n));
  return physical.length > 0 ? physical : all;
}

/** A rate needs at least this much time behind it. */
const MIN_RATE_SPAN_SECONDS = 0.25;

type Rates = Pick<
  NetworkMetrics,
  'bytes_in_per_sec' | 'bytes_out_per_sec' | 'packets_in_per_sec' | 'packets_out_per_sec'
>;

interface Sample {
  at: number;
  counters: Map<string, InterfaceCounters>;
}

export class NetworkCollector {
  private previous: Sample | undefined;
  private lastRates: Rates | undefined;

  constructor(
    private readonly source: NetworkSource,
    private readonly now: () => number,
    /** Where sysfs says which interfaces are virtual (Linux); null: every interface but loopback is summed. */
    sysRoot: string | null = null,
  ) {
    this.virtual = sysVirtualInterfaces(sysRoot);
  }

  private readonly virtual: VirtualInterfaces;

  /** Takes a baseline so that the first collect() already has rates. */
  async prime(): Promise<void> {
    try {
      this.previous = { at: this.now(), counters: withoutLoopback(await this.source()) };
    } catch {
      // collect() reports the failure.
    }
  }

  /** Totals and rates since the previous sample; `close` false (a read) keeps that sample as the rates' base. */
  async collect(close = true): Promise<NetworkMetrics> {
    const counters = withoutLoopback(await this.source());
    const at = this.now();
    const totals = zero();
    const deltas = zero();
    const summed = summedNames(counters.keys(), this.virtual());
    for (const name of summed) {
      const c = counters.get(name) as InterfaceCounters;
      const before = this.previous?.counters.get(name);
      for (const k of COUNTER_KEYS) {
        totals[k] += c[k];
        // A counter that went down was reset (driver reload, 32-bit wrap): count nothing for it.
        if (before && c[k] >= before[k]) deltas[k] += c[k] - before[k];
      }
    }
    const seconds = this.previous ? (at - this.previous.at) / 1000 : 0;
    const rate = (v: number) => (seconds > 0 ? round(v / seconds, 1) : 0);
    let rates: Rates = {
      bytes_in_per_sec: rate(deltas.bytesIn),
      bytes_out_per_sec: rate(deltas.bytesOut),
      packets_in_per_sec: rate(deltas.packetsIn),
      packets_out_per_sec: rate(deltas.packetsOut),
    };
    if (this.previous && seconds >= 0 && seconds < MIN_RATE_SPAN_SECONDS) {
      // Too short a span to mean much (one packet in 5 ms reads as 300 kB/s): repeat the last rates
      // when there are some, and keep the older baseline so the next sample covers a longer span (as
      // CPU does). A new collector asked at once (a new cluster aggregator) keeps its baseline too.
      rates = this.lastRates ?? rates;
    } else if (close) {
      this.previous = { at, counters };
      if (seconds > 0) this.lastRates = rates;
    }
    const byInterface: Record<string, InterfaceTotals> = {};
    for (const [name, c] of counters) {
      byInterface[name] = {
        bytes_in: c.bytesIn,
        bytes_out: c.bytesOut,
        packets_in: c.packetsIn,
        packets_out: c.packetsOut,
        errors_in: c.errorsIn,
        errors_out: c.errorsOut,
        dropped_in: c.droppedIn,
        dropped_out: c.droppedOut,
      };
    }
    return {
      interfaces: [...counters.keys()],
      summed_interfaces: summed,
      bytes_in: totals.bytesIn,
      bytes_out: totals.bytesOut,
      packets_in: totals.packetsIn,
      packets_out: totals.packetsOut,
      errors_in: totals.errorsIn,
      errors_out: totals.errorsOut,
      dropped_in: totals.droppedIn,
      dropped_out: totals.droppedOut,
      ...rates,
      by_interface: byInterface,
      status: 'healthy',
    };
  }
}

function withoutLoopback(counters: Map<string, InterfaceCounters>): Map<string, InterfaceCounters> {
  for (const name of counters.keys()) if (name === 'lo' || name.startsWith('lo0')) counters.delete(name);
  return counters;
}

function zero(): InterfaceCounters {
  return {
    bytesIn: 0,
    packetsIn: 0,
    errorsIn: 0,
    droppedIn: 0,
    bytesOut: 0,
    packetsOut: 0,
    errorsOut: 0,
    droppedOut: 0,
  };
}

export function failedNetwork(error: string): NetworkMetrics {
  return {
    interfaces: [],
    bytes_in: 0,
    bytes_out: 0,
    packets_in: 0,
    packets_out: 0,
    errors_in: 0,
    errors_out: 0,
    dropped_in: 0,
    dropped_out: 0,
    bytes_in_per_sec: 0,
    bytes_out_per_sec: 0,
    packets_in_per_sec: 0,
    packets_out_per_sec: 0,
    status: 'unknown',
    error,
  };
}
