// A private Prometheus Alertmanager for tests: started on a free port with an empty route (nothing is sent on), ready
// when its /-/ready answers; `stop()` kills it and removes its directory. Where the binary is missing, `skip` says
// whether to skip (outside CI) and `missing` fails the suite in CI with the install hint.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './redis-server.js';

export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';
export const ALERTMANAGER_INSTALL =
  'install prometheus-alertmanager (apt-get install prometheus-alertmanager) to run the Alertmanager tests';
export const alertmanagerMissing = !existsSync(ALERTMANAGER_BINARY);
/** In CI a missing binary fails the suite; elsewhere it is skipped with a hint. */
export const skipAlertmanager = alertmanagerMissing && process.env.CI !== 'true';

export interface PrivateAlertmanager {
  url: string;
  /** What it wrote to stderr so far (for assertion messages). */
  readonly log: string;
  stop(): void;
}

/** Starts an Alertmanager (route `none`, group_wait 1 s) and waits until it is ready (at most 10 s). */
export async function startAlertmanager(): Promise<PrivateAlertmanager> {
  if (alertmanagerMissing) throw new Error(`prometheus-alertmanager is missing: ${ALERTMANAGER_INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'sysvitals-am-'));
  writeFileSync(
    join(dir, 'am.yml'),
    'route:\n  receiver: none\n  group_wait: 1s\nreceivers:\n  - name: none\n',
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const am: ChildProcess = spawn(
    ALERTMANAGER_BINARY,
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  am.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const stop = () => {
    am.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok)
      return {
        url,
        stop,
        get log() {
          return log;
        },
      };
    await delay(100);
  }
  stop();
  throw new Error(`Alertmanager did not become ready:\n${log}`);
}
