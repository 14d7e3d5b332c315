// A throwaway procfs tree for tests: the captured host files, with some replaced or removed.

import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const HOST_FIXTURE = new URL('../../fixtures/proc/host/', import.meta.url).pathname;
export const EDGE_FIXTURES = new URL('../../fixtures/proc/edge/', import.meta.url).pathname;

export interface ProcRoot {
  root: string;
  write(relative: string, text: string): void;
  remove(relative: string): void;
  cleanup(): void;
}

export function makeProcRoot(): ProcRoot {
  const root = mkdtempSync(join(tmpdir(), 'sysvitals-proc-'));
  cpSync(HOST_FIXTURE, root, { recursive: true });
  return {
    root,
    write(relative, text) {
      mkdirSync(dirname(join(root, relative)), { recursive: true });
      writeFileSync(join(root, relative), text);
    },
    remove(relative) {
      rmSync(join(root, relative), { force: true });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A /proc/stat text whose aggregate line has the given busy and idle ticks over `cores` cores. */
export function statText(busy: number, idle: number, cores = 2): string {
  const lines = [`cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0`];
  for (let i = 0; i < cores; i++) {
    lines.push(`cpu${i} ${Math.floor(busy / cores)} 0 0 ${Math.floor(idle / cores)} 0 0 0 0 0 0`);
  }
  lines.push('intr 12345 0 0', 'ctxt 999', 'btime 1700000000', 'processes 100');
  return `${lines.join('\n')}\n`;
}

/** A /proc/meminfo text (kB). */
export function meminfoText(totalKb: number, availableKb: number, swapTotalKb = 0, swapFreeKb = 0): string {
  return [
    `MemTotal:       ${totalKb} kB`,
    `MemFree:        ${Math.floor(availableKb / 2)} kB`,
    `MemAvailable:   ${availableKb} kB`,
    'Buffers:           1000 kB',
    'Cached:           20000 kB',
    `SwapTotal:      ${swapTotalKb} kB`,
    `SwapFree:       ${swapFreeKb} kB`,
    '',
  ].join('\n');
}

/** A /proc/net/dev text from [name, rxBytes, rxPackets, txBytes, txPackets] rows. */
export function netDevText(rows: [string, number, number, number, number][]): string {
  return [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    ...rows.map(([n, rb, rp, tb, tp]) => `${n.padStart(6)}: ${rb} ${rp} 0 0 0 0 0 0 ${tb} ${tp} 0 0 0 0 0 0`),
    '',
  ].join('\n');
}

export class FakeClock {
  constructor(public t = Date.UTC(2026, 0, 1)) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
