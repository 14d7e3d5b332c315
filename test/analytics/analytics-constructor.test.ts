// The exported Analytics class as its typings allow it to be called (outside review 19, F9): `new Analytics()`
// threw a TypeError ("Cannot read properties of undefined (reading 'memoryLeak')"); now a coded SysvitalsError
// naming what is missing and pointing at `monitor.analytics`.

import { describe, expect, it } from 'vitest';
import { Analytics } from '../../src/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

const Bare = Analytics as unknown as new (config?: unknown) => Analytics;

describe('new Analytics() without the monitor’s config', () => {
  it.each([
    ['no argument', undefined, 'anomaly, diskFull, memoryLeak, predict'],
    ['null', null, 'anomaly, diskFull, memoryLeak, predict'],
    ['an empty object', {}, 'anomaly, diskFull, memoryLeak, predict'],
  ])('%s: ERR_SYSVITALS_INVALID_OPTION naming what is missing', (_, config, missing) => {
    let error: unknown;
    try {
      new Bare(config);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'SysvitalsError', code: 'ERR_SYSVITALS_INVALID_OPTION' });
    expect((error as Error).message).toContain(`missing: ${missing}`);
    expect((error as Error).message).toContain('monitor.analytics');
  });

  it('with the monitor’s own config it builds, as monitor.analytics is', async () => {
    const m = createMonitor({ sampleIntervalMs: 0, logger: silentLogger });
    try {
      const a = new Bare(m.analytics.config);
      expect(a.hasObserved()).toBe(false);
    } finally {
      await m.close();
    }
  });
});
