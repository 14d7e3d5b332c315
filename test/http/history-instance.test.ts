// Regression (outside review 3, finding 5): outside cluster mode, history/?instance= names this instance, `all`, or
// an instance with history in the store for the period (another host's, in a shared store); anything else (a typo)
// is a 400 as metrics/, routes/ and Prometheus answer it, not an empty 200. A real Express server on port 0, a
// MemoryStore shared with a second monitor that wrote its minutes and closed (a past host); the oracle is the
// requests that monitor recorded.

import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { MemoryStore } from '../../src/stores/memory.js';

const B = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute boundary
const BASE = '/api/core/admin/system';
const PAST_REQUESTS = 20;

const monitors: SystemMonitor[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

interface Answer {
  status: number;
  body: {
    success: boolean;
    error: { code: string; message: string };
    data: { instance: string; instances?: string[]; points: Array<{ requests: number }> };
  };
}

async function getJson(url: string): Promise<Answer> {
  const r = await fetch(url);
  return { status: r.status, body: await r.json() };
}

describe('history/?instance= outside cluster mode', () => {
  it('refuses an unknown instance with 400 as metrics/ does; serves its own, all, and a past instance of the store', async () => {
    let now = B + 1_000;
    const clock = { now: () => now };
    const store = new MemoryStore({ clock: { now: () => B } });
    // Another host (or a past one): it recorded requests in its minute and wrote it to the shared store. (It is
    // closed after the test: closing a monitor closes its store.)
    const past = createMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock,
      store,
      instanceId: 'api-2',
    });
    monitors.push(past);
    for (let i = 0; i < PAST_REQUESTS; i++) {
      past.recordRequest({ method: 'GET', route: '/q', status: 200, durationMs: 5 });
    }
    now = B + 60_000;
    await past.flush();

    const monitor = createExpressMonitor({
      sampleIntervalMs: 0,
      logger: silentLogger,
      clock,
      store,
      instanceId: 'api-1',
      rateLimit: false,
    });
    monitors.push(monitor);
    const app = express();
    app.use(monitor.middleware());
    const server = createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`;
    now = B + 90_000;

    for (const typo of ['api-l', '__proto__', 'constructor']) {
      const h = await getJson(`${base}/history/?period=1h&instance=${typo}`);
      const m = await getJson(`${base}/metrics/?instance=${typo}`);
      expect(m.status).toBe(400);
      expect(h.status).toBe(400);
      expect(h.body.success).toBe(false);
      expect(h.body.error.code).toBe(m.body.error.code);
      expect(h.body.error.message).toMatch(/^invalid parameter "instance": /);
      expect(h.body.error.message).toContain(JSON.stringify(typo));
      expect(h.body.error.message).toContain('"api-1"');
    }

    // The past instance: its minute, every request of it.
    const p = await getJson(`${base}/history/?period=1h&instance=api-2`);
    expect(p.status).toBe(200);
    expect(p.body.data.instance).toBe('api-2');
    expect(p.body.data.points.reduce((n, pt) => n + pt.requests, 0)).toBe(PAST_REQUESTS);
    // This instance (no minute closed yet: an empty series, still this instance) and the fleet view.
    const own = await getJson(`${base}/history/?period=1h&instance=api-1`);
    expect(own.status).toBe(200);
    expect(own.body.data.points).toEqual([]);
    const all = await getJson(`${base}/history/?period=1h&instance=all`);
    expect(all.status).toBe(200);
    expect(all.body.data.instances).toEqual(['api-2']);
    // Route and job series are this process's own: this instance or `all`, anything else a 400 as in metrics/.
    for (const q of ['route=/q', 'job=nightly']) {
      const r = await getJson(`${base}/history/?${q}&instance=api-2`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_parameter');
      expect(r.body.error.message).toMatch(/^invalid parameter "instance": /);
    }
    // An instance with history outside the period asked for is unknown for that period: 400, naming the period.
    now = B + 2 * 3_600_000;
    const old = await getJson(`${base}/history/?period=1h&instance=api-2`);
    expect(old.status).toBe(400);
    expect(old.body.error.message).toMatch(/1h/);
    expect((await getJson(`${base}/history/?period=24h&instance=api-2`)).status).toBe(200);
  });
});
