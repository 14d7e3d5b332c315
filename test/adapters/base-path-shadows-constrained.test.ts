// Fastify routes with `constraints` (`version`, `host`) under a shared basePath (outside review 38, RT38-9): a client
// meeting the constraint (`Accept-Version: 1.2.0`, `Host: internal.example`) gets the admin API's 401 at `/api/jobs`
// and the app's route never runs; findRoute without the constraint found nothing, so nothing was warned. Such a
// route only loses the requests meeting its constraint: it is warned naming it. Oracle: which handler ran on the
// real Fastify 5 and 4.

import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/adapters/fastify.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

describe.each([CURRENT_MAJORS, olderMajors()].map((m) => [`fastify ${m.versions.fastify}`, m] as const))(
  '%s: constrained routes under a shared basePath',
  (_name, fw) => {
    it('warns for a route with a version or host constraint that loses endpoint paths, naming the constraint', async () => {
      const warnings: string[] = [];
      const logger = {
        error() {},
        info() {},
        debug() {},
        warn(o: unknown, m?: string) {
          warnings.push(typeof o === 'string' ? o : String(m));
        },
      };
      const monitor = createMonitor({
        adminToken: TOKEN,
        basePath: '/api',
        basePathShared: true,
        sampleIntervalMs: 0,
        logger,
      });
      const app = fw.fastify();
      try {
        await app.register(monitor.plugin());
        app.get('/api/:thing', { constraints: { version: '1.2.0' } }, async () => 'versioned');
        app.get('/api/*', { constraints: { host: 'internal.example' } }, async () => 'host');
        await app.ready();
        // The oracle: meeting the constraint, an endpoint's path is the admin API's (401), another path the app's.
        const get = async (url: string, headers: Record<string, string>) => {
          const r = await app.inject({ method: 'GET', url, headers });
          return [r.statusCode, r.body.slice(0, 9)];
        };
        expect(await get('/api/jobs', { 'accept-version': '1.2.0' })).toEqual([401, expect.any(String)]);
        expect(await get('/api/other', { 'accept-version': '1.2.0' })).toEqual([200, 'versioned']);
        expect(await get('/api/jobs', { host: 'internal.example' })).toEqual([401, expect.any(String)]);
        expect(await get('/api/other/x', { host: 'internal.example' })).toEqual([200, 'host']);
        const told = warnings.filter((w) => w.includes(' covers the admin endpoint'));
        expect(told.length).toBe(2);
        const versioned = told.find((w) =>
          w.startsWith('sysvitals: GET /api/:thing (only requests with version 1.2.0) covers'),
        );
        const hosted = told.find((w) =>
          w.startsWith('sysvitals: GET /api/* (only requests with host internal.example) covers'),
        );
        expect(versioned).toContain('/api/jobs,');
        expect(hosted).toContain('/api/metrics/prometheus');
      } finally {
        await app.close();
        await monitor.close();
      }
    }, 30_000);
  },
);
