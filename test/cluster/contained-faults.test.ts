// Outside review: the callbacks of cluster mode (the report timer, the IPC socket's data handler) were not
// wrapped with guarded(), so what they threw could reach the host app, or was dropped without a word. A
// monitor in cluster mode in this process becomes the aggregator; a fake peer on its socket sends
// malformed frames, and the report timer is made to throw: the host
// keeps running (no uncaught exception), the monitor keeps answering, and each failure is logged.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { until } from './helpers.js';

let dir: string;
let monitor: SystemMonitor | undefined;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => void uncaught.push(err);
const warnings: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sv-faults-'));
  uncaught.length = 0;
  warnings.length = 0;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  rmSync(dir, { recursive: true, force: true });
});

async function aggregator(): Promise<SystemMonitor> {
  const logger = {
    warn: (_o: unknown, m?: string) => void warnings.push(String(m)),
    error: (_o: unknown, m?: string) => void warnings.push(String(m)),
    info() {},
  };
  const m = createMonitor({
    sampleIntervalMs: 0,
    logger,
    cluster: { name: `faults-${process.pid}-${Date.now()}`, socketDir: join(dir, 'sock'), intervalMs: 100 },
  });
  monitor = m;
  await until(async () => m.cluster?.role === 'aggregator');
  return m;
}

/** Connects to the aggregator's socket, writes `bytes`, resolves when the aggregator closes it. */
function fakePeer(m: SystemMonitor, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect((m.cluster as NonNullable<SystemMonitor['cluster']>).endpoint.socketPath);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(bytes));
    socket.on('close', () => resolve());
    socket.resume();
  });
}

async function answers(m: SystemMonitor): Promise<unknown> {
  const out = (await m.cluster?.ask({ op: 'metrics' } as never, undefined)) as
    | { requests?: unknown }
    | undefined;
  return out?.requests;
}

describe('cluster mode contains its faults', () => {
  it('a malformed frame closes that connection, logged; the host lives on', async () => {
    const m = await aggregator();
    // A length of zero: not a frame. Before: the connection was dropped and nothing said why.
    await fakePeer(m, Buffer.from([0, 0, 0, 0, 0]));
    expect(warnings).toContainEqual(
      expect.stringMatching(/cluster connection is failing: bad frame length 0/),
    );
    // A frame whose body is not JSON: closed too (the same outage, so not logged twice).
    const notJson = Buffer.from([0, 0, 0, 4, 0, 0x7b, 0x7b, 0x7b]);
    await fakePeer(m, notJson);
    // Still a cluster, still answering; nothing reached the host as an exception.
    expect(m.cluster?.role).toBe('aggregator');
    expect(await answers(m)).toBeDefined();
    expect(uncaught).toEqual([]);
  });

  it('a report timer that throws is logged once and runs again; the host lives on', async () => {
    const m = await aggregator();
    const requests = m.requests as unknown as { routeStates: () => Iterable<unknown> };
    const real = requests.routeStates.bind(requests);
    let thrown = 0;
    requests.routeStates = () => {
      thrown++;
      throw new Error('route table unreadable');
    };
    // Before: the first tick's exception was uncaught, which ends a host process that has no handler.
    await until(async () => thrown >= 3);
    requests.routeStates = real;
    expect(warnings.filter((w) => /cluster report is failing: route table unreadable/.test(w))).toHaveLength(
      1,
    );
    expect(uncaught).toEqual([]);
    expect(m.cluster?.role).toBe('aggregator');
    expect(await answers(m)).toBeDefined();
  });
});
