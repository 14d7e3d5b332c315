// Test helper: a real monitor behind the admin API on an ephemeral port, with a logger that keeps its lines.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import type { ChannelOptions } from '../../src/channels/index.js';
import { createAdminApi } from '../../src/http/api.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import type { Logger } from '../../src/types.js';
import { makeSnapshot, testClock } from '../alerts/snapshot.js';
import { type Received, startReceiver } from './receiver.js';

const TOKEN = 'admin-token-for-tests';
const pending: Array<() => Promise<void>> = [];

/**
 * Run when the test that added them finishes, last first (the test's receivers, then the monitor and server).
 * Registered per test (onTestFinished), not as a module-level afterEach: where files share a fork (vitest.config.ts,
 * isolate: false) this module is loaded once per fork, and such a hook belonged to the first file that loaded it.
 */
export const cleanups = {
  push(cleanup: () => Promise<void>): void {
    if (pending.length === 0) {
      onTestFinished(async () => {
        for (const c of pending.splice(0).reverse()) await c();
      });
    }
    pending.push(cleanup);
  },
};

export function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (obj: unknown, msg?: string) => lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  return { lines, warn: log, error: log, info: log };
}

export async function serve(options: MonitorOptions) {
  const clock = testClock();
  const logger = capture();
  const monitor: SystemMonitor = createMonitor({ sampleIntervalMs: 0, clock, logger, ...options });
  const api = createAdminApi(monitor, { adminToken: TOKEN, rateLimit: false });
  const server: Server = createServer((req, res) => {
    void api.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await monitor.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/core/admin/system/`;
  const bodies: string[] = [];
  const call = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${TOKEN}`,
      ...(init.headers as Record<string, string>),
    };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(base + path, { ...init, headers, body });
    const text = await res.text();
    bodies.push(text);
    return {
      status: res.status,
      // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary response fields
      body: JSON.parse(text) as { success: boolean; data: any; error?: { code: string; message: string } },
    };
  };
  return { monitor, clock, logger, call, bodies, base };
}

/** A channel as `channels/` lists it (the fields the tests read). */
export type ChannelRow = { name: string; last_error: string } & Record<string, unknown>;

/**
 * A channel's per-attempt timeout in serveAlerted where the test sets none: the default 10 s is real time, and the
 * attempts of one alert start together and share this process's event loop with the receiver and with the
 * redaction of every refusal. sms-gateway-recipients' 27 channels: the receiver read the 27 requests 0.6-5.4 s
 * after the alert at load 16-20, one at a time between the answers' processing; at load 30-44 the last one's
 * attempt timed out before it was sent (26 of 27 received, `retries: 0`; with each refusal's log line held 450 ms,
 * a starved loop, 20 of 27 with 10 s, 27 with this). These tests check what a refusal shows, not the timeout
 * (attempt-timeout.test.ts does), so an attempt waits as long as the test may.
 */
const ATTEMPT_TIMEOUT_MS = 60_000;

/**
 * serve() with `channels`, the cpu alert raised (at 99 %, sent at once: no `for`, no group wait) and every delivery
 * done; `readChannels` reads `channels/` (through `call`, so it joins `bodies`). A channel without `timeoutMs` gets
 * ATTEMPT_TIMEOUT_MS.
 */
export async function serveAlerted(channels: ChannelOptions[], options: MonitorOptions = {}) {
  const served = await serve({
    alerts: { cpu: { for: 0 } },
    routing: { groupWaitMs: 0 },
    ...options,
    channels: channels.map((c) => ({ timeoutMs: ATTEMPT_TIMEOUT_MS, ...c }) as ChannelOptions),
  });
  served.monitor.alertSystem.checkThresholds(makeSnapshot({ cpu: { current_percent: 99 } }));
  await served.monitor.notifications.idle();
  const readChannels = async () => (await served.call('channels/')).body.data.channels as ChannelRow[];
  return { ...served, readChannels };
}

/**
 * A receiver that answers every request with `status` (or `status(n)` for the n-th, from 1) and the text `answer`
 * makes of it (a refusal that echoes the request), closed after the test.
 */
export async function answeringReceiver(
  status: number | ((n: number) => number),
  answer: (r: Received) => string,
  contentType = 'text/plain',
) {
  const rx = await startReceiver((r, res, n) => {
    res
      .writeHead(typeof status === 'number' ? status : status(n), { 'content-type': contentType })
      .end(answer(r));
    return true;
  });
  cleanups.push(() => rx.close());
  return rx;
}
