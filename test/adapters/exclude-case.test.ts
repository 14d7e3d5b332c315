// Regression (outside review 1, F9): `excludeRoutes` was matched case-sensitively while Express (by default)
// and @koa/router route case-insensitively: `/HANG/9000` reached the excluded `/hang/:ms` long poll and was
// counted, so an anonymous client turned an excluded route into a critical latency page. Real Express and Koa
// servers on port 0; the oracle is the requests made (which reached the route handler, which were excluded).

import { describe, expect, it } from 'vitest';
import { parseExcludeRoutes } from '../../src/requests/exclusion.js';
import { eventually, get, startGet, useWorkloadApps } from './workload-apps.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const OPEN_MS = 300;
const AGE_MS = 75_000;

const apps = useWorkloadApps();

describe.each(['express', 'koa'] as const)('%s: excludeRoutes in any letter case', (framework) => {
  it('a path excluded in one case is excluded in all the cases the router answers', async () => {
    const clock = { t: T0, now: () => clock.t };
    const app = await apps.start(framework, { clock, excludeRoutes: ['/w/poll'] });
    expect(await get(`${app.url}/w/fast`)).toBe(200);
    const polls = apps.hold(
      ['/W/POLL', '/w/Poll', '/W/pOLL'].map((p) => startGet(`${app.url}${p}?ms=${OPEN_MS}`)),
    );
    await eventually(async () => app.received === 4); // the router sent all three to the handler
    clock.t += AGE_MS;
    const open = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(open.requests.in_flight).toBe(0);
    expect(open.latency).toMatchObject({ in_flight_counted: 0 });
    expect(await Promise.all(polls.map((p) => p.done))).toEqual([200, 200, 200]);
    expect(await get(`${app.url}/w/pollx`)).toBe(200); // another path: counted
    await eventually(async () => app.monitor.requests.total >= 2);
    clock.t += 1_000;
    const ended = await app.monitor.getMetrics({ maxAgeMs: 0 });
    expect(ended.requests.total).toBe(2);
    expect(app.monitor.requests.cumulativeCounts().n).toBe(2);
  });
});

describe('parseExcludeRoutes', () => {
  const cases: [string, boolean][] = [
    ['/hang', true],
    ['/HANG', true],
    ['/Hang/9000', true],
    ['/hAnG?x=/y', true],
    ['/hang/', true],
    ['/hanger', false],
    ['/HANGER/1', false],
    ['/x/hang', false],
    ['/status/4', true],
    ['/STATUS/4/', true],
    ['/status/40', false],
    ['/', false],
    ['/q?/hang', false],
  ];
  it.each(cases)('%s excluded: %s (strings match in any case, the query is not matched)', (url, excluded) => {
    const match = parseExcludeRoutes(['/hang', '/status/4/', /^\/Feed$/]);
    expect(match?.(url)).toBe(excluded);
  });

  it('a RegExp is tested as given (its own flags)', () => {
    const match = parseExcludeRoutes([/^\/Feed$/, /^\/poll$/i]);
    expect([match?.('/Feed'), match?.('/feed'), match?.('/POLL?x=1')]).toEqual([true, false, true]);
  });

  it("'/' excludes every path", () => {
    const match = parseExcludeRoutes(['/']);
    expect(['/', '/a', '/A/b?c'].map((u) => match?.(u))).toEqual([true, true, true]);
  });

  it('special characters in a path are literal', () => {
    const match = parseExcludeRoutes(['/a.b(c)+$']);
    expect([match?.('/a.b(c)+$/x'), match?.('/aXb(c)+$'), match?.('/A.B(C)+$')]).toEqual([true, false, true]);
  });
});
