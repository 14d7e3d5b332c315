// The admin API's test of a request URL (probes.ts adminUrlTest, with its second-character prefilter) against the
// rule written out here from its documentation: under the base path (the path itself, `?query` or a sub-path), or
// a probe path itself (one trailing slash allowed, a query after either). Oracle: that rule, checked on every URL built from
// the paths' prefixes and a set of continuations, so each character the prefilter skips on is exercised.

import { describe, expect, it } from 'vitest';
import { adminUrlTest, type ProbePathsOptions, parseProbePaths } from '../../src/http/probes.js';

function rule(basePath: string, probes: readonly string[], url: string): boolean {
  if (url === basePath || url.startsWith(`${basePath}/`) || url.startsWith(`${basePath}?`)) return true;
  return probes.some(
    (p) => url === p || url === `${p}/` || url.startsWith(`${p}?`) || url.startsWith(`${p}/?`),
  );
}

function urlsFor(paths: readonly string[]): string[] {
  const urls = new Set([
    '',
    '/',
    '//',
    '/?',
    '/?x',
    '/users/1',
    '/a',
    '/_',
    '/Livez',
    '/l',
    '/r/x',
    '/é',
    '/€x',
    '/\u007f',
  ]);
  for (const p of paths) {
    for (let i = 1; i <= p.length; i++) {
      for (const tail of ['', '/', '?a=1', '/?a=1', '/?', 'x', '/x', '/x?', 'z?'])
        urls.add(p.slice(0, i) + tail);
    }
  }
  return [...urls];
}

describe('adminUrlTest', () => {
  const cases: Array<[string, string, ProbePathsOptions | false | undefined]> = [
    ['defaults', '/api/core/admin/system', undefined],
    ['no probes', '/admin', false],
    ['a probe at the root', '/_sysvitals', { live: '/', ready: '/ready', startup: false }],
    ['probes sharing the base path second character', '/health-admin', { live: '/healthz', ready: '/h' }],
    // A second character past ASCII (the prefilter's table holds ASCII only: the others take its loop).
    ['a non-ASCII base path', '/état', { live: '/livez', ready: '/ready', startup: '/startupz' }],
  ];
  for (const [name, basePath, options] of cases) {
    it(`answers as the rule does (${name})`, () => {
      const probes = parseProbePaths(options, basePath);
      const test = adminUrlTest(basePath, probes);
      const probeList = probes.map(([p]) => p);
      for (const url of urlsFor([basePath, ...probeList])) {
        expect([url, test(url)]).toEqual([url, rule(basePath, probeList, url)]);
      }
    });
  }
});
