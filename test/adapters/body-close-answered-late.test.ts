// Regression (outside review rtI, R2d) on real Express 5/4 servers on port 0, raw clients. An idle Express app with
// express.json() app-wide and an error handler that answers JSON (common): 25 anonymous clients each sent
// `POST /x` (no route) with Content-Length 100 and one byte, `{`, then closed. raw-body's 'request aborted' reached the
// error handler, which wrote its JSON after the client had gone; that late answer made the closes unanswered ones
// (count_aborted_body 0): errors critical, error rate 100 %, health red, an error_rate alert. A close while the body
// was still arriving is a body close whatever the application writes afterwards. The oracle is what the clients sent
// (1 of 100 declared bytes each) and the error handler's own count of the responses it wrote after the close.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { MonitorOptions } from '../../src/monitor/options.js';
import type { SystemMonitor } from '../../src/monitor.js';
import { type FrameworkServer, listening } from '../helpers/framework-servers.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';
import { expressApp } from './framework-apps.js';
import { CURRENT_MAJORS, type FrameworkModules, olderMajors } from './framework-modules.js';
import { eventually } from './workload-apps.js';

const N = 25;
/** Every close is early whatever the machine's load and counts toward `unanswered` however soon (floor 0). */
const OPTIONS: MonitorOptions = {
  sampleIntervalMs: 0,
  abortedFailureMs: 3_600_000,
  unansweredMinWaitMs: 0,
  logger: silentLogger,
  ...NO_HOST_FILES,
};

const running: FrameworkServer[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});

/** Responses the error handler wrote to a client already gone (its socket destroyed when it answered). */
let answeredLate = 0;

async function start(modules: FrameworkModules): Promise<FrameworkServer> {
  const server = listening(
    await expressApp(
      OPTIONS,
      (app, express) => {
        app.use(express.json());
        app.use(
          (
            err: { status?: number; message?: string },
            req: { socket: { destroyed: boolean } },
            res: { status(n: number): { json(b: unknown): void } },
            _next: unknown,
          ) => {
            if (req.socket.destroyed) answeredLate++;
            res.status(err.status ?? 500).json({ error: err.message });
          },
        );
      },
      modules,
    ),
  );
  const s = await server;
  running.push(s);
  return s;
}

function clients(port: number): Socket[] {
  return Array.from({ length: N }, (_, i) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write(
      `POST /x-${i} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    );
    return s;
  });
}

async function closeAll(monitor: SystemMonitor, sockets: Socket[]) {
  await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).requests.in_flight === N);
  for (const s of sockets) s.destroy();
  await eventually(async () => (await monitor.getMetrics({ maxAgeMs: 0 })).errors.count_aborted === N);
  await eventually(async () => answeredLate === N);
}

describe.each([CURRENT_MAJORS, olderMajors()].map((m) => [`Express ${m.versions.express}`, m] as const))(
  '%s with a JSON error handler: half-sent bodies answered after the close (outside review rtI, R2d)',
  (_name, modules) => {
    it(`${N} POSTs with 1 of 100 body bytes, closed, answered late: body closes, health not red, no alert`, async () => {
      answeredLate = 0;
      const { monitor, port } = await start(modules);
      await closeAll(monitor, clients(port));
      await monitor.sample();
      const m = await monitor.getMetrics({ maxAgeMs: 0 });
      expect(m.requests.total).toBe(0);
      expect(m.errors).toMatchObject({
        count_aborted: N,
        count_aborted_early: N,
        count_aborted_body: N,
        count_aborted_answered: 0,
        error_rate_percent: null,
        count_judged: 0,
      });
      expect(m.errors.status).not.toBe('critical');
      expect(m.errors.unanswered).toBeUndefined();
      const health = await monitor.getHealth();
      expect(health.status).not.toBe('red');
      expect(health.components.errors).not.toBe('critical');
      const alerts = (await monitor.getAlerts()) as { rule: string }[];
      expect(alerts.filter((a) => a.rule === 'error_rate')).toEqual([]);
    });
  },
);
