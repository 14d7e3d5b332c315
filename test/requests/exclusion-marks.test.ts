// Issue 18: the request's end reads nothing of the response unless `excludeRoutes` is configured (on Express
// every response has a hidden class of its own, where reading a missing mark walks the prototype chain), and
// an excluded request's response gets no property added (b44843b marked it with a symbol property). The
// oracle for the figures is the requests made: excluded ones are neither counted nor left in flight.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type SystemMonitor } from '../../src/index.js';
import { RequestExclusion } from '../../src/requests/exclusion.js';

let monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.map((m) => m.close()));
  monitors = [];
});

/** A response stand-in that logs every property read and refuses properties added to it. */
function watchedResponse(reads: PropertyKey[]): ServerResponse {
  return new Proxy(Object.preventExtensions({}) as ServerResponse, {
    get(target, key, receiver) {
      reads.push(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

const request = (url: string): IncomingMessage => ({ url, socket: null }) as unknown as IncomingMessage;

describe('request exclusion marks', () => {
  it('without excludeRoutes, recording a short request reads no property of its response', () => {
    const reads: PropertyKey[] = [];
    const res = watchedResponse(reads);
    const exclusion = new RequestExclusion(undefined);
    expect(exclusion.excludes(request('/a'), res)).toBe(false);
    expect(exclusion.left(res, 5)).toBeNull();
    expect(reads).toEqual([]);
  });

  it('an excluded response gets no property added, and its end records nothing', () => {
    const reads: PropertyKey[] = [];
    const res = watchedResponse(reads); // not extensible: adding a mark would throw
    const other = watchedResponse(reads);
    const exclusion = new RequestExclusion((url) => url.startsWith('/poll'));
    expect(exclusion.excludes(request('/poll/1'), res)).toBe(true);
    expect(exclusion.excludes(request('/users/1'), other)).toBe(false);
    expect(exclusion.left(res, 5)).toBe('excluded');
    expect(exclusion.left(other, 5)).toBeNull();
    expect(reads).toEqual([]);
  });

  it('through the monitor: excluded requests are neither counted nor in flight, the others are', async () => {
    const monitor = createMonitor({ excludeRoutes: ['/poll'], sampleIntervalMs: 0 });
    monitors.push(monitor);
    const made = [
      ['/poll', 200],
      ['/users/1', 200],
      ['/poll/long?x=1', 200],
      ['/users/2', 500],
    ] as const;
    const responses = made.map(() => watchedResponse([]));
    made.forEach(([url], i) => {
      expect(monitor.admitRequest(request(url), responses[i] as ServerResponse)).toBe(true);
    });
    made.forEach(([url, status], i) => {
      monitor.recordRequest({ method: 'GET', route: url, status, durationMs: 3 }, responses[i]);
    });
    const m = await monitor.getMetrics({ maxAgeMs: 0 });
    expect(m.requests.in_flight).toBe(0);
    expect(m.requests.total).toBe(2);
    expect(m.errors.count_5xx).toBe(1);
  });
});
