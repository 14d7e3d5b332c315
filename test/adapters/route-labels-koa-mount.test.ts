// Outside review 5, R6: Koa sub-apps mounted with koa-mount lost their mount path, so /v1/items/:id and
// /v2/items/:id merged into one row `/items/:id`. The label is the mount path(s) + the sub-app's route
// (README: "the pattern your app wrote, mount paths included, never a value from the URL").
// Real servers, Koa 3 and Koa 2 (the `koa2` alias), @koa/router, koa-mount 4; counts per label exact.

import { createServer, type Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import { afterEach, describe, expect, it } from 'vitest';
import { koaMiddleware } from '../../src/adapters/koa.js';
import { joinMount } from '../../src/adapters/koa-mount.js';
import { listen as listenOnLoopback } from '../http/stream-helpers.js';
import { type RecordingSource, recordingSource } from './harness.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Listens on a loopback port (stream-helpers' listen) and closes the server after the test. */
async function listen(server: Server): Promise<string> {
  const served = await listenOnLoopback(server);
  cleanups.push(served.close);
  return served.url;
}

/** Sends each path in turn; returns the statuses the client got and, once all are recorded, the rows. */
async function send(source: RecordingSource, url: string, paths: string[]) {
  const statuses: number[] = [];
  for (const path of paths) {
    const res = await fetch(`${url}${path}`);
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  const guard = Date.now() + 30_000; // a hang guard: responses are recorded on finish
  while (source.records.length < paths.length && Date.now() < guard)
    await new Promise((r) => setTimeout(r, 10));
  return statuses;
}

/** [route, count, count of 5xx] per label, sorted. */
function rows(source: RecordingSource): [string, number, number][] {
  const by = new Map<string, [number, number]>();
  for (const r of source.records) {
    const row = by.get(r.route) ?? [0, 0];
    row[0]++;
    if (r.status >= 500) row[1]++;
    by.set(r.route, row);
  }
  return [...by].map(([route, [n, f]]) => [route, n, f] as [string, number, number]).sort();
}

type KoaClass = typeof Koa;
const versions: [string, () => Promise<KoaClass>][] = [
  ['koa 3', async () => Koa],
  ['koa 2', async () => ((await import('koa2' as string)) as { default: KoaClass }).default],
];

describe.each(versions)('%s with koa-mount', (_name, load) => {
  async function subApp(name: string, fail: boolean): Promise<Koa> {
    const KoaApp = await load();
    const sub = new KoaApp();
    sub.silent = true;
    const r = new Router();
    r.get('/items/:id', (c) => {
      if (fail) c.status = 500;
      c.body = name;
    });
    r.get('/', (c) => {
      c.body = `${name} root`;
    });
    sub.use(r.routes());
    return sub;
  }

  it('the review repro: /v1 and /v2 keep their mount paths; counts and failures per label exact', async () => {
    const KoaApp = await load();
    const source = recordingSource();
    const app = new KoaApp();
    app.silent = true;
    app.use(koaMiddleware(source, { rateLimit: false }));
    app.use(mount('/v1', await subApp('v1', false)));
    app.use(mount('/v2', await subApp('v2', true)));
    const outer = new Router();
    outer.get('/items/:id', (c) => {
      c.body = 'outer';
    });
    app.use(outer.routes());
    const url = await listen(createServer(app.callback()));
    const paths = [
      '/v1/items/1',
      '/v1/items/2',
      '/v2/items/1',
      '/items/9',
      '/v1',
      '/v1/nowhere',
      '/v3/items/1',
    ];
    // /v1/nowhere falls through the sub-app to the outer app; /v3/items/1 matches nothing: both unmatched.
    expect(await send(source, url, paths)).toEqual([200, 200, 500, 200, 200, 404, 404]);
    expect(rows(source)).toEqual([
      ['/items/:id', 1, 0],
      ['/v1', 1, 0],
      ['/v1/items/:id', 2, 0],
      ['/v2/items/:id', 1, 1],
      ['unmatched', 2, 0],
    ]);
  });

  it('nested mounts, a router mounted directly, and 100 values: the literal prefixes, never the URL', async () => {
    const KoaApp = await load();
    const source = recordingSource();
    const app = new KoaApp();
    app.silent = true;
    app.use(koaMiddleware(source, { rateLimit: false }));
    const api = new KoaApp();
    api.use(mount('/v1', await subApp('v1', false)));
    const teams = new Router({ prefix: '/teams/:team' });
    teams.get('/members/:member', (c) => {
      c.body = 'm';
    });
    api.use(mount('/org', teams.routes())); // koa-mount of a middleware, not an app
    const apiRouter = new Router();
    apiRouter.get('/ping', (c) => {
      c.body = 'pong';
    });
    api.use(apiRouter.routes());
    app.use(mount('/api', api));
    const url = await listen(createServer(app.callback()));
    const paths = [
      ...Array.from({ length: 100 }, (_, i) => `/api/v1/items/${i}`),
      '/api/org/teams/red/members/7',
      '/api/org/teams/blue/members/8',
      '/api/ping',
      '/api/v1/ping', // the v1 sub-app has no /ping and api's router sees /v1/ping: unmatched
    ];
    const statuses = await send(source, url, paths);
    expect(statuses.filter((s) => s === 200).length).toBe(103);
    expect(rows(source)).toEqual([
      ['/api/org/teams/:team/members/:member', 2, 0],
      ['/api/ping', 1, 0],
      ['/api/v1/items/:id', 100, 0],
      ['unmatched', 1, 0],
    ]);
  });
});

describe('without koa-mount', () => {
  it('_matchedRoute stays a plain property of the context', async () => {
    const source = recordingSource();
    const app = new Koa();
    app.use(koaMiddleware(source, { rateLimit: false }));
    const r = new Router();
    r.get('/items/:id', (c) => {
      c.body = String(Object.getOwnPropertyDescriptor(app.context, '_matchedRoute'));
    });
    app.use(r.routes());
    const url = await listen(createServer(app.callback()));
    expect(await send(source, url, ['/items/1'])).toEqual([200]);
    expect(rows(source)).toEqual([['/items/:id', 1, 0]]);
    expect(Object.getOwnPropertyDescriptor(app.context, '_matchedRoute')).toBeUndefined();
  });
});

describe('joinMount', () => {
  it.each([
    ['/v1', '/items/:id', '/v1/items/:id'],
    ['/v1/', '/items', '/v1/items'],
    ['/v1', '/', '/v1'],
    ['/v1', 'x', '/v1/x'],
  ])('%s + %s = %s', (prefix, route, label) => {
    expect(joinMount(prefix, route)).toBe(label);
  });
});
