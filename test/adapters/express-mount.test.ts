// Regression (outside review 1, F2): a monitor whose middleware is mounted inside a sub-app
// (`parent.use('/v1', app)`, `app.use(monitor.middleware())`) has no admin API at `/v1/api/core/admin/system/`:
// the base path is matched against the original URL, so those requests went to the app (404) silently. The
// adapter now warns once, at the first such request, naming the basePath to set; with that basePath the admin
// API answers under the mount. Real Express servers on port 0; the oracle is the HTTP answers and the log.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type ExpressMonitorOptions } from '../../src/adapters/express.js';

const BASE = '/api/core/admin/system';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function mounted(options: ExpressMonitorOptions): Promise<{ url: string; warnings: string[] }> {
  const warnings: string[] = [];
  const push = (_o: unknown, m?: string) => void warnings.push(String(m));
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: { warn: push, error: push, info() {} },
    ...options,
  });
  const app = express();
  app.use(monitor.middleware());
  app.get('/ok', (_req, res) => {
    res.send('ok');
  });
  const parent = express();
  parent.use('/v1', app);
  const server: Server = createServer(parent);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await monitor.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, warnings };
}

const mountWarnings = (w: string[]) => w.filter((m) => m.includes('mounted under'));

describe('express: the middleware in a sub-app mounted under a path', () => {
  it('the default basePath: admin requests under the mount warn once, naming the basePath to set', async () => {
    const { url, warnings } = await mounted({});
    expect((await fetch(`${url}/v1/ok`)).status).toBe(200);
    expect(mountWarnings(warnings)).toEqual([]);
    for (const path of [`${BASE}/metrics/`, `${BASE}/health/`]) {
      expect((await fetch(`${url}/v1${path}`)).status).toBe(404); // the app's, as before
    }
    const lines = mountWarnings(warnings);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`basePath: '/v1${BASE}'`);
    expect(lines[0]).toContain(`does not answer at /v1${BASE}/`);
  });

  it("basePath: '/v1/api/core/admin/system' answers under the mount, and nothing is warned", async () => {
    const { url, warnings } = await mounted({ basePath: `/v1${BASE}` });
    const res = await fetch(`${url}/v1${BASE}/metrics/`);
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveProperty('requests');
    expect((await fetch(`${url}/v1/ok`)).status).toBe(200);
    expect(mountWarnings(warnings)).toEqual([]);
  });
});
