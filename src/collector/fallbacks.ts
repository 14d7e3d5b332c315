// systeminformation, loaded lazily: for static facts /proc does not give (CPU speed on ARM and some
// VMs) and for platforms without /proc. Never on Linux's periodic path: it spawns commands and runs
// synchronous reads (37–66 ms per full collection, 6–10 ms event-loop stalls, shared/TOOLCHAIN.md).

import type { MountSource } from './disk.js';
import type { InterfaceCounters, NetworkSource } from './network.js';

type Si = typeof import('systeminformation');

let loading: Promise<Si> | undefined;

function si(): Promise<Si> {
  loading ??= import('systeminformation').then((m) => ((m as { default?: Si }).default ?? m) as Si);
  return loading;
}

let speed: Promise<number> | undefined;

/** Nominal CPU speed in MHz, asked once per process (0 when unknown). */
export function siCpuMhz(): Promise<number> {
  speed ??= si()
    .then((s) => s.cpu())
    .then((c) => (Number.isFinite(c.speed) ? c.speed * 1000 : 0))
    .catch(() => 0);
  return speed;
}

export async function siSwap(): Promise<{ swaptotal: number; swapfree: number }> {
  return (await si()).mem();
}

export const siMountSource: MountSource = async () =>
  (await (await si()).fsSize()).map((f) => ({ device: f.fs, mount: f.mount, type: f.type }));

export const siNetworkSource: NetworkSource = async () => {
  const stats = await (await si()).networkStats('*');
  const out = new Map<string, InterfaceCounters>();
  for (const s of stats) {
    out.set(s.iface, {
      bytesIn: s.rx_bytes,
      packetsIn: 0, // not reported by systeminformation
      errorsIn: s.rx_errors,
      droppedIn: s.rx_dropped,
      bytesOut: s.tx_bytes,
      packetsOut: 0,
      errorsOut: s.tx_errors,
      droppedOut: s.tx_dropped,
    });
  }
  return out;
};
