// A real Prometheus Alertmanager started by the test: /api/v2/alerts shows the alert, its re-send, then its resolution.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { freePort } from '../helpers/redis-server.js';
import { alert, event } from './alerts.js';

const BINARY = '/usr/bin/prometheus-alertmanager';
const INSTALL =
  'install prometheus-alertmanager (apt-get install prometheus-alertmanager) to run the Alertmanager test';
const missing = !existsSync(BINARY);
// In CI a missing binary fails the suite; elsewhere it is skipped with a hint.
const skip = missing && process.env.CI !== 'true';
if (skip) console.warn(`skipping the Alertmanager test: ${INSTALL}`);

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  status: { state: string };
}

describe.skipIf(skip)('a real Alertmanager', () => {
  let am: ChildProcess | undefined;
  let dir: string;
  let url: string;
  let log = '';

  beforeAll(async () => {
    if (missing) throw new Error(`prometheus-alertmanager is missing: ${INSTALL}`);
    dir = mkdtempSync(join(tmpdir(), 'sysvitals-am-'));
    writeFileSync(
      join(dir, 'am.yml'),
      'route:\n  receiver: none\n  group_wait: 1s\nreceivers:\n  - name: none\n',
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    am = spawn(
      BINARY,
      [
        `--config.file=${join(dir, 'am.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stderr?.on('data', (c: Buffer) => {
      log += c.toString();
    });
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await delay(100);
    }
    throw new Error(`Alertmanager did not become ready:\n${log}`);
  }, 20_000);

  afterAll(() => {
    am?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function listed(id: string): Promise<GettableAlert | undefined> {
    const res = await fetch(`${url}/api/v2/alerts`);
    const alerts = (await res.json()) as GettableAlert[];
    return alerts.find((a) => a.labels.alert_id === id);
  }

  it('receives the alert with labels and annotations, re-sent while firing, then resolved', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock,
      logger: silentLogger,
      channels: [{ type: 'alertmanager', url }],
      routing: { groupWaitMs: 0, labels: { env: 'test' }, dashboardUrl: 'https://ops.example.com/dash/' },
    });
    const started = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const a = alert('33333333-3333-4333-8333-333333333333', {
      severity: 'critical',
      message: 'CPU usage critical',
      value: 97.2,
      threshold: 90,
      timestamp: started,
    });
    try {
      router.notify(event('raised', a));
      await router.idle();
      expect(router.status()[0]).toMatchObject({ sent: 1, failed: 0 });
      const got = await listed(a.id);
      expect(got, log).toBeDefined();
      expect(got!.labels).toEqual({
        alertname: 'cpu',
        rule: 'cpu',
        component: 'cpu',
        severity: 'critical',
        instance: 'web-1:42',
        host: 'web-1',
        env: 'test',
        alert_id: a.id,
      });
      expect(got!.annotations).toMatchObject({
        summary: 'CPU usage critical',
        value: '97.2',
        threshold: '90',
      });
      expect(got!.status.state).toBe('active');
      expect(Date.parse(got!.startsAt)).toBe(Date.parse(started));
      const firstEnd = Date.parse(got!.endsAt);
      expect(firstEnd).toBeGreaterThan(Date.now());

      // Re-sent after the channel's 60 s interval: the end moves forward by as much.
      offset = 60_000;
      router.tick();
      await router.idle();
      expect(router.status()[0]!.sent).toBe(2);
      const again = await listed(a.id);
      expect(Date.parse(again!.endsAt) - firstEnd).toBeGreaterThanOrEqual(60_000);

      router.notify(event('cleared', { ...a, cleared_at: new Date().toISOString() }));
      await router.idle();
      expect(router.status()[0]!.sent).toBe(3);
      // A resolved alert (endsAt past) is no longer listed by /api/v2/alerts.
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = (await listed(a.id)) === undefined;
        if (!gone) await delay(100);
      }
      expect(gone, log).toBe(true);
    } finally {
      await router.close();
    }
  }, 20_000);
});
