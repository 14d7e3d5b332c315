// Test helper: the set-up of the fingerprint tests that issue statements against the machine's PostgreSQL and
// MariaDB (fp-lists, fp-signed-lists): a monitor per test, closed with the clients the test opened after it, and the
// fingerprints' counts as an object to compare with the test's own tally.

import { afterEach } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

/** Registers the after-each clean-up (in reverse order) of the file that calls it; `cleanups` takes a test's own. */
export function fpDatabases() {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });
  /** A silent monitor with no sampling timer, closed after the test. */
  const monitor = (): SystemMonitor => {
    const m = createMonitor({ sampleIntervalMs: 0, logger: { warn() {}, error() {} } });
    cleanups.push(() => m.close());
    return m;
  };
  /** Each fingerprint's count. */
  const counts = (m: SystemMonitor) =>
    Object.fromEntries(m.queries.rows().map((r) => [r.fingerprint, r.count]));
  return { cleanups, monitor, counts };
}
