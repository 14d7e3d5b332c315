// promtool's verdict on a Prometheus exposition: the published checker, not our parser. Fails in CI (CI=true) when
// promtool is missing; elsewhere the check is skipped with a message saying what to install.

import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

const promtoolMissing = spawnSync('promtool', ['--version']).error !== undefined;
if (promtoolMissing && process.env.CI !== 'true')
  console.warn('promtool check skipped: apt-get install prometheus');

/** promtool accepts the scrape (no output, exit 0). */
export function expectPromtoolAccepts(text: string): void {
  if (promtoolMissing && process.env.CI !== 'true') return;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 15_000 });
  expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ status: 0, output: '' });
}
