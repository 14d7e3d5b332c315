// Option values that can never work as meant are refused at setup (outside review 31, RT31-10): a history
// resolution that misaligns the clock's steps, apdex route keys no request can match, an instance id `?instance=`
// cannot name, a basePath with dot segments (on each adapter).

import * as http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import type { SysvitalsError } from '../../src/errors.js';
import { PERIODS } from '../../src/history/periods.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';

const quiet = { sampleIntervalMs: 0, logger: silentLogger } as const;

function refusal(make: () => { close(): Promise<unknown> }): SysvitalsError | undefined {
  try {
    void make().close();
    return undefined;
  } catch (e) {
    return e as SysvitalsError;
  }
}

const DAY = 86_400_000;
/**
 * Oracle (README History: steps of 1, 5 and 30 minutes "aligned to the clock"): a resolution is usable when every
 * period's step (the larger of its own and the resolution) is a whole number of buckets and of its own step, and a whole
 * number of steps fills a day. Computed here from the periods' steps, independently of the code's rule.
 */
function usable(res: number): boolean {
  return Object.values(PERIODS).every(({ stepMs }) => {
    const step = Math.max(stepMs, res);
    return step % res === 0 && step % stepMs === 0 && DAY % step === 0;
  });
}

describe('resolutionMs', () => {
  it("refuses 7000 and 90000 (the review's), and every value the oracle calls misaligned, from a sweep", () => {
    for (const res of [7000, 90_000, 45_000, 120_000, 420_000, 540_000, 2_700_000, 5_400_000 + 60_000]) {
      expect(usable(res), String(res)).toBe(false);
      const error = refusal(() => createMonitor({ ...quiet, resolutionMs: res }));
      expect(error?.code, String(res)).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect(error?.message).toMatch(/resolutionMs.*60000/s);
    }
    // A sweep of every whole second from 1 s to 40 min and the half-hours to a day: refused exactly when misaligned.
    const values = [...Array.from({ length: 2400 }, (_, i) => (i + 1) * 1000)];
    for (let h = 1; h <= 48; h++) values.push(h * 1_800_000);
    let accepted = 0;
    for (const res of values) {
      const error = refusal(() => createMonitor({ ...quiet, resolutionMs: res }));
      expect(error === undefined, String(res)).toBe(usable(res));
      if (error === undefined) accepted++;
    }
    expect(accepted).toBeGreaterThan(20);
  });
});

describe('apdex.routes keys', () => {
  it.each([
    ['FOO /x', /not an HTTP method/],
    ['search', /never match.*'\/search'/s],
    ['get /x', /not an HTTP method/],
    ['PROPFIND /dav', /recorded under the method OTHER.*"OTHER \/dav"/s],
    ['MKCOL /x', /recorded under the method OTHER/],
  ])('refuses %j', (key, says) => {
    const error = refusal(() => createMonitor({ ...quiet, apdex: { routes: { [key]: 100 } } }));
    expect(error?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(error?.message).toMatch(says);
  });
  it('accepts exactly the method labels requests are recorded under (README: the seven, else OTHER)', () => {
    // Oracle: README "methods outside GET HEAD POST PUT PATCH DELETE OPTIONS are `OTHER`", over every method Node parses.
    const labels = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER']);
    for (const method of [...http.METHODS, 'OTHER']) {
      const error = refusal(() => createMonitor({ ...quiet, apdex: { routes: { [`${method} /x`]: 100 } } }));
      expect([method, error === undefined]).toEqual([method, labels.has(method)]);
    }
  });
  it('accepts route templates, with a method, and the unmatched row', () => {
    const routes = { '/search': 1000, 'POST /upload': 2000, 'OTHER /dav': 300, unmatched: 100 };
    expect(refusal(() => createMonitor({ ...quiet, apdex: { routes } }))).toBeUndefined();
  });
});

describe('instanceId', () => {
  it.each(['a b', 'tab\there', 'é', 'x'.repeat(257)])('refuses %j as ?instance= does', (id) => {
    const error = refusal(() => createMonitor({ ...quiet, instanceId: id }));
    expect(error?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(error?.message).toMatch(/printable ASCII without spaces/);
  });
  it('accepts host:port style ids', () => {
    expect(refusal(() => createMonitor({ ...quiet, instanceId: 'api-1:3000' }))).toBeUndefined();
  });
});

describe.each([
  ['express', createExpressMonitor],
  ['fastify', createFastifyMonitor],
  ['koa', createKoaMonitor],
] as const)('%s: basePath with dot segments', (_name, create) => {
  it.each(['/a/../b', '/a/./b', '/..', '/a/..'])('refuses %j', (basePath) => {
    const error = refusal(() => create({ ...quiet, basePath }));
    expect(error?.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(error?.message).toMatch(/`\.` or `\.\.` segment/);
  });
  it('accepts a dot inside a segment', () => {
    expect(refusal(() => create({ ...quiet, basePath: '/v1.2/admin' }))).toBeUndefined();
  });
});
