// Regression (red team figures F6): a client that closes in the middle of a large body written in one call
// (`res.send(buffer)`, Fastify returning a Buffer, Koa `ctx.body = buffer`) is counted as aborted (499), not as
// the 200 the application set: Node emits 'finish' even when the socket failed under the pending write. Real
// servers on port 0; the oracle is what the client received (fewer bytes than Content-Length, then it closed).

import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';
import { eventually, FRAMEWORKS, readPartly, useWorkloadApps, WORK_ROUTE } from './workload-apps.js';

// Far more than loopback's socket buffers can hold (4 MB send, up to 32 MB receive here), so the write is
// still pending in Node when the client closes.
const BODY_BYTES = 64 * 1024 * 1024;
const READ_BYTES = 1024 * 1024;

const apps = useWorkloadApps();

async function bodyRead(url: string): Promise<number> {
  const res = await fetch(url);
  return (await res.arrayBuffer()).byteLength;
}

describe.each(FRAMEWORKS)('%s: a body cut off by the client', (framework) => {
  it('a client that read 1 MB of a 64 MB single-write body and closed is counted as aborted', async () => {
    const app = await apps.start(framework);
    const seen = await readPartly(`${app.url}/w/big?bytes=${BODY_BYTES}`, READ_BYTES, 100);
    // The oracle: the client got the headers (200) and part of the body, then closed.
    expect(seen.status).toBe(200);
    expect(seen.contentLength).toBe(BODY_BYTES);
    expect(seen.received).toBeLessThan(BODY_BYTES);
    const aborted = () => app.monitor.requests.abortedTotals();
    await eventually(async () => aborted().length > 0);
    // The application had ended the response (one call): what was left was the client's to take, so its close is
    // an early close, aborted and not a request, whenever it came (outside review 6, F1; before, a close after
    // abortedFailureMs on a loaded machine was a failed request).
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect([
      m.requests.total,
      m.errors.count_aborted,
      m.errors.count_aborted_early,
      m.errors.count_4xx,
      m.errors.count_5xx,
    ]).toEqual([0, 1, 1, 0, 0]);
    expect(aborted()).toEqual([{ method: 'GET', route: WORK_ROUTE, count: 1, failed: 0 }]);
    const families = parseExposition(
      await fetch(`${app.url}/api/core/admin/system/metrics/prometheus`).then((r) => r.text()),
    );
    expect(
      sampleValue(families, 'sysvitals_http_requests_aborted_total', { method: 'GET', route: WORK_ROUTE }),
    ).toBe(1);
  });

  it('the same body read to the end is a 200, and a small one too', async () => {
    const app = await apps.start(framework);
    expect(await bodyRead(`${app.url}/w/big?bytes=${BODY_BYTES}`)).toBe(BODY_BYTES);
    expect(await bodyRead(`${app.url}/w/small?bytes=1000`)).toBe(1000);
    await eventually(async () => app.monitor.requests.total >= 2);
    const m = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect([m.requests.total, m.errors.count_aborted, m.errors.count_4xx]).toEqual([2, 0, 0]);
  });
});
