// Regression (outside review 1, F9): `excludeRoutes` was matched case-sensitively while Express (by default)
// and @koa/router route case-insensitively: `/HANG/9000` reached the excluded `/hang/:ms` long poll and was
// counted, so an anonymous client turned an excluded route into a critical latency page. Real Express and Koa
// servers on port 0; the oracle is the requests made (which reached the route handler, which were excluded).

import { describe, expect, it } from 'vitest';
import { parseExcludeRoutes } from '../../src/requests/exclusion.js';
import { absolutePath } from '../../src/requests/exclusion-path.js';
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

// Outside review 6, F3: the spellings of a path routers route as that path (exclude-spellings.test.ts has them
// on real servers). Each expectation is what a router does with the URL: Express and Koa route on Node's
// url.parse (absolute-form, `#`, `\\` before a `#`), Fastify's find-my-way decodes as decodeURI does (reserved
// characters stay encoded) and, by option, collapses `//` and ends the path at `;`.
describe('parseExcludeRoutes: spellings, as Express and Koa route them (undecoded: outside review 33, RT33-7)', () => {
  const cases: [string, boolean][] = [
    ['/poll', true],
    ['/POLL/1', true],
    ['/poll#frag', true],
    ['/poll?x', true],
    ['/poll/1;x', true],
    ['/poll\\1#x', true], // with a `#`, parseurl reads it with url.parse: `\` before the query is a `/`
    ['http://x/poll/1', true],
    ['HTTPS://x:8443/POLL', true],
    ['http://u:p@x/poll?a', true],
    ['http://x\\poll/1', true],
    ['/%70oll/1', false], // Express and @koa/router match the undecoded path: `/:user/:repo` answers it
    ['/P%4fLL', false],
    ['//poll/3', false],
    ['/poll;jsessionid=1', false],
    ['/poll;x/y', false],
    ['/poll\\x/y', false],
    ['http://x?/poll/1', false],
    ['http://x/%70oll', false],
    ['http://x//poll', false],
    ['http://x', false],
    ['http://x/pollx', false],
    ['*', false],
    ['/poll%2F1', false],
    ['/x/../poll', false],
    ['/ok?r=/poll', false],
    ['/ok#/poll', false],
  ];
  it.each(cases)('%s excluded: %s', (url, excluded) => {
    expect(parseExcludeRoutes(['/poll'])?.(url)).toBe(excluded);
  });

  it('caseSensitive (Fastify): the path in its letter case only', () => {
    const match = parseExcludeRoutes(['/poll']);
    expect(['/poll/1', '/POLL/1', '/Poll'].map((u) => match?.(u, true))).toEqual([true, false, false]);
  });

  it('RegExp entries are tested on the same path', () => {
    const match = parseExcludeRoutes([/^\/feed\/\d+$/]);
    const urls = [
      '/feed/1',
      '/f%65ed/2',
      'http://x/feed/3?q',
      '//feed/4',
      '/feed/5;x',
      '/feed/6#x',
      '/feed/x',
    ];
    expect(urls.map((u) => match?.(u))).toEqual([true, false, true, false, false, true, false]);
  });

  it("'/' excludes every path, in every form", () => {
    const match = parseExcludeRoutes(['/']);
    expect(['/a', 'http://x/b', 'http://x', '%2F', '*'].map((u) => match?.(u))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('non-ASCII entries match their %-encoded UTF-8', () => {
    const match = parseExcludeRoutes(['/café']);
    expect(['/caf%C3%A9/1', '/CAF%C3%A9', '/caf%C3%A8'].map((u) => match?.(u))).toEqual([true, true, false]);
  });

  it('route() tests a route template by the path entries only', () => {
    const match = parseExcludeRoutes(['/poll', /^\/feed\/\d+$/]);
    const templates = ['/poll/:id', '/POLL', '/poll/*', '/polls/:id', '/feed/:id', 'unmatched', '/:x/:y'];
    expect(templates.map((t) => match?.route(t))).toEqual([true, true, true, false, false, false, false]);
  });

  it('absolutePath: the path of an absolute-form target, undecoded', () => {
    expect(absolutePath('http://x?/poll/1')).toBe('/');
    expect(absolutePath('http://x\\p%6Fll/1')).toBe('/p%6Fll/1');
    expect(absolutePath('http://x/a//b?c')).toBe('/a//b');
    expect(absolutePath('*')).toBeUndefined();
    expect(absolutePath('1http://x/poll')).toBeUndefined();
  });
});
