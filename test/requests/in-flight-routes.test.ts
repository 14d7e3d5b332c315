// Requests in flight grouped by method and route for routes/ (in-flight-routes.ts): entries on an injected clock,
// each adapter's reader naming only its own; the oracle is the admissions made here and what each one stands for.

import { describe, expect, it } from 'vitest';
import { InFlightAges, type InFlightEntry } from '../../src/requests/in-flight.js';
import {
  type InFlightRouteReader,
  InFlightRoutes,
  UNROUTED_ROUTE,
} from '../../src/requests/in-flight-routes.js';

interface Ticket extends InFlightEntry {
  owner: string;
  method: string;
  route: string | null;
}

/** A response as the event stream check reads it. */
const response = (contentType?: string) => ({
  getHeader: (name: string) => (name === 'content-type' ? contentType : undefined),
});

const ticket = (owner: string, method: string, route: string | null, key: object = response()): Ticket => ({
  res: key,
  prev: null,
  next: null,
  t: Number.NaN,
  owner,
  method,
  route,
});

const readerOf =
  (owner: string): InFlightRouteReader =>
  (entry) => {
    const t = entry as Ticket;
    return t.owner === owner ? [t.method, t.route] : undefined;
  };

describe('InFlightRoutes', () => {
  it('counts each route in flight and the age of its oldest; ended, untracked or foreign entries are not there', () => {
    const clock = { t: 5_000 };
    const ages = new InFlightAges({ now: () => clock.t });
    const routes = new InFlightRoutes();
    const express = readerOf('express');
    routes.add(express);
    routes.add(express); // once per reader
    routes.add(readerOf('koa'));
    expect(routes.read(ages).size).toBe(0);

    const a1 = ticket('express', 'GET', '/a/:id');
    const a2 = ticket('express', 'GET', '/a/:id');
    const ended = ticket('express', 'GET', '/gone');
    ages.track(a1); // at 5,000
    ages.track(ended);
    clock.t += 300;
    ages.track(a2); // 5,300
    ages.track(ticket('koa', 'POST', '/a/:id')); // another method: its own row
    ages.track(ticket('koa', 'PURGE', '/a/:id')); // counted as the request table counts it: OTHER
    ages.track(ticket('koa', 'GET', null)); // not routed yet
    ages.track(ticket('other', 'GET', '/nobody')); // no reader knows it
    ages.track(ticket('express', 'GET', '/events', response('text/event-stream'))); // left out, as by aging
    ages.begin(response()); // admitted without a ticket (monitor.admitRequest): no route to read
    ages.untrack(ended);
    clock.t += 1_000;

    const read = [...routes.read(ages).values()];
    expect(read.sort((x, y) => (x.method + x.route < y.method + y.route ? -1 : 1))).toEqual([
      // oldestAt / newestAt: when the oldest / newest was admitted, on the same clock (the cluster report carries them).
      { method: 'GET', route: '/a/:id', count: 2, oldestMs: 1_300, oldestAt: 5_000, newestAt: 5_300 },
      { method: 'GET', route: UNROUTED_ROUTE, count: 1, oldestMs: 1_000, oldestAt: 5_300, newestAt: 5_300 },
      { method: 'OTHER', route: '/a/:id', count: 1, oldestMs: 1_000, oldestAt: 5_300, newestAt: 5_300 },
      { method: 'POST', route: '/a/:id', count: 1, oldestMs: 1_000, oldestAt: 5_300, newestAt: 5_300 },
    ]);
    ages.untrack(a1);
    expect(routes.read(ages).get('GET /a/:id')).toEqual({
      method: 'GET',
      route: '/a/:id',
      count: 1,
      oldestMs: 1_000,
      oldestAt: 5_300, // a2's admission: a1, the older, has ended
      newestAt: 5_300,
    });
  });

  it('leaves out a request its reader throws on, and reads the others', () => {
    const ages = new InFlightAges({ now: () => 0 });
    const routes = new InFlightRoutes();
    routes.add((entry) => {
      if ((entry as Ticket).route === '/bad') throw new Error('a getter that throws');
      return ['GET', (entry as Ticket).route];
    });
    ages.track(ticket('x', 'GET', '/bad'));
    ages.track(ticket('x', 'GET', '/good'));
    expect([...routes.read(ages).keys()]).toEqual(['GET /good']);
  });
});
