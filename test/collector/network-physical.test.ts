// Outside review 24, RT24-6: the host's network totals summed every interface but loopback, so on a Docker or
// Kubernetes host a container's bytes were counted on its veth, on the bridge and on the uplink: 2-3 times. The
// oracle is the traffic itself: a container sends X bytes out and receives Y; the host's /proc/net/dev shows them
// on veth (the container's tx is the host end's rx), on docker0 and, NATed, on eth0; the host sent and received
// exactly X and Y. Linux says which interfaces are virtual under /sys/devices/virtual/net (sysfs-class-net(5):
// `/sys/class/net/<iface>` links there for software devices, to the bus device for hardware ones).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../src/collector/index.js';
import { FakeClock, makeProcRoot, netDevText, type ProcRoot } from './helpers/proc-root.js';

/** A sysfs tree whose devices/virtual/net lists `virtual`. */
function sysfs(virtual: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'sysvitals-sys-'));
  for (const name of virtual) mkdirSync(join(root, 'devices', 'virtual', 'net', name), { recursive: true });
  return root;
}

const X = 700_000; // bytes the container sent out
const Y = 9_000_000; // bytes it received
const XP = 700; // packets out
const YP = 6_500; // packets in

/** The host's /proc/net/dev after the container's traffic: [name, rxBytes, rxPackets, txBytes, txPackets]. */
function hostNetDev(base: number, sent: number, received: number, sentP: number, receivedP: number): string {
  return netDevText([
    ['lo', 5_000 + base, 50, 5_000 + base, 50],
    ['eth0', base + received, 100 + receivedP, base + sent, 100 + sentP],
    ['docker0', sent, sentP, received, receivedP],
    ['veth1a2b3c', sent, sentP, received, receivedP],
  ]);
}

describe('host network totals count each byte once (physical interfaces)', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });
  function setup(virtual: string[] | null): { proc: ProcRoot; clock: FakeClock; c: MetricsCollector } {
    const proc = makeProcRoot();
    const clock = new FakeClock();
    const sys = virtual === null ? undefined : sysfs(virtual);
    proc.write('net/dev', hostNetDev(1_000, 0, 0, 0, 0));
    const c = new MetricsCollector({ procRoot: proc.root, sysRoot: sys, clock });
    cleanup.push(() => {
      c.close();
      proc.cleanup();
      if (sys) rmSync(sys, { recursive: true, force: true });
    });
    return { proc, clock, c };
  }

  it('a Docker host: totals and rates are the uplink’s, every interface still listed', async () => {
    const { proc, clock, c } = setup(['lo', 'docker0', 'veth1a2b3c']);
    const before = await c.collect();
    clock.advance(10_000);
    proc.write('net/dev', hostNetDev(1_000, X, Y, XP, YP));
    const s = await c.collect();
    expect(s.network.summed_interfaces).toEqual(['eth0']);
    expect(s.network.interfaces).toEqual(['eth0', 'docker0', 'veth1a2b3c']);
    expect(s.network.bytes_out - before.network.bytes_out).toBe(X);
    expect(s.network.bytes_in - before.network.bytes_in).toBe(Y);
    expect(s.network.packets_out - before.network.packets_out).toBe(XP);
    expect(s.network.bytes_out_per_sec).toBe(X / 10);
    expect(s.network.bytes_in_per_sec).toBe(Y / 10);
    expect(s.network.packets_in_per_sec).toBe(YP / 10);
    // Each interface's own counters are unchanged (Prometheus reads these).
    expect(s.network.by_interface?.veth1a2b3c?.bytes_in).toBe(X);
    expect(s.network.by_interface?.docker0?.bytes_out).toBe(Y);
  });

  it('a container’s own namespace (its eth0 is itself a veth): every interface but loopback', async () => {
    const { proc, clock, c } = setup(['lo', 'eth0']);
    await c.collect();
    clock.advance(10_000);
    proc.write(
      'net/dev',
      netDevText([
        ['lo', 9, 1, 9, 1],
        ['eth0', 1_000 + Y, 100 + YP, 1_000 + X, 100 + XP],
      ]),
    );
    const s = await c.collect();
    expect(s.network.summed_interfaces).toEqual(['eth0']);
    expect(s.network.bytes_out_per_sec).toBe(X / 10);
    expect(s.network.bytes_in).toBe(1_000 + Y);
  });

  it('without sysfs (an explicit procRoot alone, or a platform without it): every interface but loopback', async () => {
    const { proc, clock, c } = setup(null);
    await c.collect();
    clock.advance(10_000);
    proc.write('net/dev', hostNetDev(1_000, X, Y, XP, YP));
    const s = await c.collect();
    expect(s.network.summed_interfaces).toEqual(['eth0', 'docker0', 'veth1a2b3c']);
    // eth0 sent X, docker0 and the veth each sent the Y the container received: X + 2Y, the double count.
    expect(s.network.bytes_out_per_sec).toBe((X + 2 * Y) / 10);
  });
});
