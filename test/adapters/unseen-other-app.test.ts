// Outside review 48, RT48-4: one server whose 'request' listener dispatches by path to two apps, the monitored one
// (its middleware first) and another the user did not instrument (a legacy app during a migration): the other app's
// 500s were recorded as the monitored app's failures on `unseen` (50 % errors, critical, health red for an app whose
// own requests all succeeded). Only 5xx of requests the monitored app handled are its failures. Real Express 5 and 4
// servers (Koa leaves nothing on a request that tells its app: there, another app's 5xx still count; docs/requests.md); the oracle is what each app answered the client. A control keeps the RT39-4 case: a middleware
// before the monitor in the monitored app failing every request is still its failures.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';
import { appServers } from './served-monitor.js';

const listen = appServers();
const quiet = { warn() {}, error() {}, info() {}, debug() {} };
const majors = [CURRENT_MAJORS, olderMajors()];

async function send(port: number, path: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

async function figures(monitor: ReturnType<typeof createExpressMonitor>) {
  await monitor.sample();
  const m = await monitor.getMetrics({ maxAgeMs: 0 });
  return { total: m.requests.total, count5xx: m.errors.count_5xx, errors: m.errors.status };
}

describe.each(majors.map((m) => [m.versions.express, m] as const))(
  'express %s: another app on the same server',
  (_e, modules) => {
    it('Express: the other app 500s are not the monitored app failures', async () => {
      const monitor = createExpressMonitor({ sampleIntervalMs: 0, logger: quiet });
      const app = modules.express();
      app.use(monitor.middleware());
      app.get('/api/ok', (_q, s) => void s.send('ok'));
      const legacy = modules.express();
      legacy.get('/legacy/x', (_q, s) => void s.status(500).send('legacy broken'));
      const server = createServer((req: IncomingMessage, res: ServerResponse) =>
        (req.url ?? '').startsWith('/legacy') ? legacy(req, res) : app(req, res),
      );
      const port = await listen(server, monitor);
      expect(await send(port, '/api/ok', 20)).toEqual(Array(20).fill(200));
      expect(await send(port, '/legacy/x', 20)).toEqual(Array(20).fill(500));
      expect(await figures(monitor)).toEqual({ total: 20, count5xx: 0, errors: 'healthy' });
    });

    it('Express control: a middleware before the monitor failing every request is the app failures', async () => {
      const monitor = createExpressMonitor({ sampleIntervalMs: 0, logger: quiet });
      const app = modules.express();
      app.use((_q: unknown, s: { status(n: number): { send(b: string): void } }) =>
        s.status(503).send('down'),
      );
      app.use(monitor.middleware());
      const port = await listen(createServer(app), monitor);
      expect(await send(port, '/api/ok', 20)).toEqual(Array(20).fill(503));
      expect(await figures(monitor)).toEqual({ total: 20, count5xx: 20, errors: 'critical' });
    });
  },
);
