// The dashboard in Debian's Chromium says when its figures are one process's although `cluster` was set: cluster
// mode off for want of a private directory (outside review F1: <tmpdir>/sysvitals-<uid> squatted, no
// XDG_RUNTIME_DIR, no usable home). The header's scope shows it, with the reason metrics/ gives on hover.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type ExpressMonitor } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';
import type { MetricsSnapshot } from '../../src/types.js';
import {
  apiData,
  type Browser,
  failedNote,
  launch,
  MISSING,
  openPage,
  skipBrowser,
} from './browser-helpers.js';

if (skipBrowser) console.warn(`scope browser test skipped: ${MISSING}`);

const TOKEN = 'scope-browser-token';
const ENV_KEYS = ['TMPDIR', 'HOME', 'XDG_RUNTIME_DIR'] as const;

describe.skipIf(skipBrowser || process.platform === 'win32')('dashboard scope with cluster mode off', () => {
  let monitor: ExpressMonitor;
  let server: Server;
  let browser: Browser;
  let url: string;
  let squat: string;
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-scope-'));
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

  beforeAll(async () => {
    // The host: a TMPDIR whose sysvitals-<uid> is open to others, a HOME that is a file, no XDG_RUNTIME_DIR.
    squat = join(dir, `sysvitals-${process.getuid?.() ?? 0}`);
    mkdirSync(squat);
    chmodSync(squat, 0o777);
    writeFileSync(join(dir, 'home'), '');
    process.env.TMPDIR = dir;
    process.env.HOME = join(dir, 'home');
    delete process.env.XDG_RUNTIME_DIR;
    try {
      monitor = createMonitor({
        cluster: true,
        adminToken: TOKEN,
        rateLimit: false,
        sampleIntervalMs: 300,
        logger: silentLogger,
      });
    } finally {
      for (const k of ENV_KEYS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
    const app = express();
    app.use(monitor.middleware());
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await monitor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the header says "this process only", with the reason metrics/ gives', async () => {
    const admin = `${url}/api/core/admin/system`;
    const api = await apiData<MetricsSnapshot>(`${admin}/metrics/`, TOKEN);
    expect(api.cluster_mode?.reason).toContain(squat);

    const { page, errors, failed } = await openPage(browser.context, TOKEN);
    await page.goto(`${admin}/dashboard/`);
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).toBe('live');
    const scope = page.locator('#scope');
    await expect.poll(() => scope.isVisible()).toBe(true);
    expect(await scope.textContent()).toBe('This process only: cluster mode is off');
    expect(await scope.getAttribute('title')).toBe(api.cluster_mode?.reason);
    expect(errors, failedNote(failed)).toEqual([]);
  }, 60_000);
});
