// The examples and the demo: each starts, serves its routes, records them, and answers its printed URLs.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { start as startExpress } from '../../examples/express.js';
import { start as startFastify } from '../../examples/fastify.js';
import { start as startKoa } from '../../examples/koa.js';
import { silentLogger } from '../../src/logger.js';
import { getJson } from '../http/admin-fixture.js';

const quiet = { sampleIntervalMs: 0, logger: silentLogger };

describe.each([
  ['express', startExpress],
  ['fastify', startFastify],
  ['koa', startKoa],
] as const)('examples/%s.ts', (_name, start) => {
  it('serves /, /slow, /fail, /users/:id and the admin API, with the token from the options', async () => {
    const example = await start({
      port: 0,
      host: '127.0.0.1',
      monitor: { ...quiet, adminToken: 'example-token' },
    });
    try {
      expect((await fetch(`${example.url}/`)).status).toBe(200);
      expect((await fetch(`${example.url}/users/7`)).status).toBe(200);
      expect((await fetch(`${example.url}/fail`)).status).toBe(500);
      // Not a time measured: the route answers with the sleep it drew from its documented 50-300 ms range.
      const slow = await getJson(`${example.url}/slow`);
      expect(Number.isInteger(slow.body.slept_ms)).toBe(true);
      expect(slow.body.slept_ms).toBeGreaterThanOrEqual(50);
      expect(slow.body.slept_ms).toBeLessThanOrEqual(300);
      expect((await getJson(`${example.adminUrl}/metrics/`)).status).toBe(401);
      const metrics = await getJson(`${example.adminUrl}/metrics/`, {
        headers: { authorization: 'Bearer example-token' },
      });
      expect(metrics.status).toBe(200);
      const routes = (metrics.body.data.routes as { route: string; count_5xx: number }[])
        .map((r) => r.route)
        .sort();
      expect(routes).toEqual(['/', '/fail', '/slow', '/users/:id']);
      expect(metrics.body.data.errors.count_5xx).toBe(1);
    } finally {
      await example.close();
    }
  });
});

const DEMO_TOKEN = 'demo-9f2c4e7a1b3d5f60718293a4b5c6d7e8';

describe('npm run demo', () => {
  it('prints URLs that answer, and generates traffic', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', SYSVITALS_ADMIN_TOKEN: DEMO_TOKEN, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner in 60 s: ${out}`)), 60_000); // hang guard
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('Ctrl-C')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${out}`)));
      });
      // Outside review: the banner printed the token (stdout ends up in CI and container logs). It says
      // where the token comes from and how to use it, never its value, nor a prefix of it.
      expect(out).not.toContain(DEMO_TOKEN.slice(0, 8));
      expect(out).toContain(
        `admin token: from SYSVITALS_ADMIN_TOKEN (${DEMO_TOKEN.length} characters, not printed)`,
      );
      expect(out).toContain('curl -H "Authorization: Bearer $SYSVITALS_ADMIN_TOKEN"');
      const url = (label: string) => {
        const m = new RegExp(`${label}:\\s+(\\S+)`).exec(out);
        if (!m?.[1]) throw new Error(`no ${label} URL in ${out}`);
        return m[1];
      };
      expect(url('dashboard')).toMatch(/\/api\/core\/admin\/system\/dashboard\/$/);
      const auth = { headers: { authorization: `Bearer ${DEMO_TOKEN}` } };
      for (const label of ['metrics', 'health', 'alerts', 'history']) {
        const r = await getJson(url(label), auth);
        // health is 503 when the host is red (a busy CI machine can be): still an answer with the document.
        expect(label === 'health' ? [200, 503] : [200], label).toContain(r.status);
        expect(r.body.success, label).toBe(true);
      }
      // The generator's requests show up as application traffic: polled until they do (30 s hang guard).
      const guard = Date.now() + 30_000;
      let total = (await getJson(url('metrics'), auth)).body.data.requests.total;
      while (total === 0 && Date.now() < guard) {
        await new Promise((r) => setTimeout(r, 100));
        total = (await getJson(url('metrics'), auth)).body.data.requests.total;
      }
      expect(total).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    }
  }, 120_000);
});
