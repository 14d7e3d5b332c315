// Real monitors behind real servers, all closed after each test: on a static /proc copy behind one harness's
// server with the admin API (servedMonitors), or a test's own app server (appServers).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { makeProcRoot, type ProcRoot } from '../collector/helpers/proc-root.js';
import type { Harness, Running } from './harness.js';

/**
 * Registers the afterEach that closes what the returned `listen` opened: each server, then its monitor.
 * `listen` starts a test's app server on 127.0.0.1, port 0, and resolves with the port.
 */
export function appServers(): (server: Server, monitor: { close(): Promise<void> }) => Promise<number> {
  const opened: Array<{ server: Server; monitor: { close(): Promise<void> } }> = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) {
      await new Promise((r) => s.server.close(r));
      await s.monitor.close();
    }
  });
  return async (server, monitor) => {
    opened.push({ server, monitor });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };
}

export interface ServedMonitor {
  monitor: SystemMonitor;
  url: string;
}

/**
 * Registers the afterEach that closes what the returned `serve` opens. `serve` builds a monitor (no sampling
 * timer, silent logger) on a static /proc copy, as the host's CPU is not these tests' business (the machine
 * running them is busy), with `options` on top; and mounts it with `token` as admin token and a metrics cache
 * longer than a test, so that every admin read is of the last sample, as a scrape within a second is.
 */
export function servedMonitors(
  token: string,
): (harness: Harness, options?: MonitorOptions) => Promise<ServedMonitor> {
  let running: Running | undefined;
  let monitor: SystemMonitor | undefined;
  let proc: ProcRoot | undefined;

  afterEach(async () => {
    await running?.close();
    await monitor?.close();
    proc?.cleanup();
    running = undefined;
    monitor = undefined;
    proc = undefined;
  });

  return async (harness, options = {}) => {
    proc = makeProcRoot();
    monitor = createMonitor({ sampleIntervalMs: 0, logger: silentLogger, procRoot: proc.root, ...options });
    running = await harness.start({
      source: monitor,
      api: { adminToken: token, metricsMaxAgeMs: 3_600_000 } as never,
    });
    return { monitor, url: running.url };
  };
}
