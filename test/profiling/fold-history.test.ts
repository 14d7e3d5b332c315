// history/?job= and history/?route= for a name folded into `other` / `* other` (past jobs.maxJobs / maxRoutes) say
// where its figures are, not just "never recorded" (outside review 32, RT32-9). Real Express server.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/express.js';
import { silentLogger } from '../../src/logger.js';

const TOKEN = 'f'.repeat(40);

interface Body {
  data: { jobs: Array<{ name: string }> };
  error: { message: string };
}

async function withServer(
  options: { maxJobs: number; maxRoutes: number },
  body: (
    get: (path: string) => Promise<{ status: number; body: Body }>,
    hit: (p: string) => Promise<void>,
  ) => Promise<void>,
): Promise<void> {
  const monitor = createMonitor({
    adminToken: TOKEN,
    sampleIntervalMs: 0,
    logger: silentLogger,
    maxRoutes: options.maxRoutes,
    jobs: { maxJobs: options.maxJobs },
  });
  const app = express();
  app.use(monitor.middleware());
  app.get('/a', (_q, r) => r.send('a'));
  app.get('/b', (_q, r) => r.send('b'));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await monitor.job('first', () => 1)();
    await monitor.job('second', () => 1)();
    await monitor.job('third', () => 1)();
    await body(
      async (path) => {
        const r = await fetch(`${url}/api/core/admin/system/${path}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        return { status: r.status, body: (await r.json()) as Body };
      },
      async (p) => void (await (await fetch(url + p)).text()),
    );
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await monitor.close();
  }
}

describe('history for names folded into other', () => {
  it('a job past jobs.maxJobs: 404 naming the fold and history/?job=other, which answers 200', async () => {
    await withServer({ maxJobs: 2, maxRoutes: 1 }, async (get, hit) => {
      await hit('/a');
      await hit('/b');
      // Oracle: jobs/ and routes/ themselves show the fold rows (README: past the limit, `other` / `* other`).
      const jobs = (await get('jobs/')).body.data.jobs.map((j) => j.name);
      expect(jobs).toContain('other');
      expect(jobs).not.toContain('third');
      const third = await get('history/?period=1h&job=third');
      expect(third.status).toBe(404);
      expect(third.body.error.message).toMatch(/under `other`.*history\/\?job=other/);
      expect((await get('history/?period=1h&job=other')).status).toBe(200);
      const b = await get('history/?period=1h&route=%2Fb');
      expect(b.status).toBe(404);
      expect(b.body.error.message).toMatch(/under `\* other`.*history\/\?route=other/);
      expect((await get('history/?period=1h&route=other')).status).toBe(200);
    });
  });
  it('nothing folded: the plain "never recorded" message', async () => {
    await withServer({ maxJobs: 10, maxRoutes: 10 }, async (get, hit) => {
      await hit('/a');
      const never = await get('history/?period=1h&job=never');
      expect(never.status).toBe(404);
      expect(never.body.error.message).toBe(
        'no one-minute history for job "never": no such job was recorded',
      );
      const route = await get('history/?period=1h&route=%2Fnever');
      expect(route.status).toBe(404);
      expect(route.body.error.message).toBe('no requests recorded on route "/never"');
    });
  });
});
