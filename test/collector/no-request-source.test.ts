// Regression (outside review 31, RT31-7): a MetricsCollector without a request source (the README's script path)
// read `errors.status: "healthy"` with 0 requests, while health judged the same snapshot's errors `unknown` and a
// monitor's own snapshot said `unknown` with a reason. The oracles: the real health check on the collector's own
// snapshot, and the real monitor's errors group with no request.

import { afterEach, describe, expect, it } from 'vitest';
import { getHealthStatus } from '../../src/alerts/health.js';
import { MetricsCollector } from '../../src/collector/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { NO_HOST_FILES } from '../helpers/hostless.js';

const collectors: MetricsCollector[] = [];
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  for (const c of collectors.splice(0)) c.close();
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

describe('a collector without a request source', () => {
  it('reads its errors group as unknown, with the reason a monitor gives for 0 requests, as health judges it', async () => {
    const collector = new MetricsCollector({ ...NO_HOST_FILES, logger: silentLogger });
    collectors.push(collector);
    const s = await collector.collect();
    expect(s.requests.total).toBe(0);
    // Health on this very snapshot: 0 requests are fewer than minRequests, the error rate is not judged.
    expect(getHealthStatus(s, []).components.errors).toBe('unknown');
    expect(s.errors.status).toBe('unknown');

    const monitor = createMonitor({ ...NO_HOST_FILES, sampleIntervalMs: 0, logger: silentLogger });
    monitors.push(monitor);
    const m = await monitor.getMetrics();
    expect(m.requests.total).toBe(0);
    expect(m.errors.status).toBe('unknown');
    expect(s.errors.reason).toBe(m.errors.reason);
    expect(s.errors.reason).toBe(
      '0 requests in the window, fewer than minRequests (20): the error rate is not judged',
    );
  });

  it('keeps a failed request source unknown with its error (not the not-judged reason)', async () => {
    const collector = new MetricsCollector({
      ...NO_HOST_FILES,
      logger: silentLogger,
      sources: {
        requests: () => {
          throw new Error('source down');
        },
      },
    });
    collectors.push(collector);
    const s = await collector.collect();
    expect(s.errors.status).toBe('unknown');
    expect(s.errors.error).toBe('source down');
    expect(s.errors.reason).toBeUndefined();
  });
});
