// What the fault tests share: a bounded request loop against the app, the spacing of `metrics` events, a log recorder.

import type { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import type { Logger, MetricsSnapshot } from '../../src/types.js';

export interface LoadResult {
  ok: number;
  failed: number;
  /** The first few failures (status or error message), to say what went wrong. */
  failures: string[];
}

export interface Load {
  readonly ok: number;
  readonly failed: number;
  /** Stops issuing requests and waits for the ones in flight. */
  stop(): Promise<LoadResult>;
}

/** One GET on a keep-alive agent; resolves with the status, never rejects. */
function get(agent: Agent, url: URL, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', (err) => resolve(err.message));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err) => resolve(err.message));
    req.end();
  });
}

/**
 * `workers` loops, each requesting `paths` in turn with a short pause, until stop(): bounded, so the
 * machine keeps time for the monitor. A request fails on any status but 200 or on a 30 s timeout (a hang
 * guard, generous for a loaded machine: a request that waited on a fault would wait far longer).
 */
export function startLoad(baseUrl: string, paths: string[], workers = 4, pauseMs = 5): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  let running = true;
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; running; i++) {
      const path = paths[i % paths.length]!;
      const outcome = await get(agent, new URL(path, baseUrl), 30_000);
      if (outcome === 200) ok++;
      else {
        failed++;
        if (failures.length < 5) failures.push(`${path}: ${outcome}`);
      }
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return {
    get ok() {
      return ok;
    },
    get failed() {
      return failed;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { ok, failed, failures };
    },
  };
}

/** The `metrics` events (snapshots) from now on, in order. */
export function recordSamples(monitor: EventEmitter): { snapshots: MetricsSnapshot[]; stop(): void } {
  const snapshots: MetricsSnapshot[] = [];
  const onMetrics = (s: MetricsSnapshot) => snapshots.push(s);
  monitor.on('metrics', onMetrics);
  return { snapshots, stop: () => monitor.off('metrics', onMetrics) };
}

/**
 * Polls `done` until it holds, every 25 ms; throws after `guardMs`. The guard is a hang guard only, far
 * above what the condition takes on a loaded machine: the test asserts on what happened, never on when.
 */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  what: string,
  guardMs = 60_000,
): Promise<void> {
  const guard = Date.now() + guardMs;
  while (!(await done())) {
    if (Date.now() > guard) throw new Error(`not within the ${guardMs} ms guard: ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `value` from `promise`, or 'hung' after `ms`. */
export function orHung<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([
    promise,
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref()),
  ]);
}

export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (_obj: unknown, msg?: string) => {
    lines.push(msg ?? '');
  };
  return { logger: { warn: log, error: log, info: log }, lines };
}
