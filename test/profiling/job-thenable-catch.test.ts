// Outside review 48, RT48-5: monitor.job() and timed() around a Mongoose-style query builder (its own `then` and
// `catch` each run the query through exec(), as Mongoose's Query does: `catch(reject) { return this.exec().then(null,
// reject) }`) called as `job().catch(log)` recorded no run: a job succeeding every time paged job_stale, a failing one
// showed 0 failures. Only the builder's `then` was timed. The oracle is what the caller saw: how many times the query
// ran (exec() counts itself) and how each of those runs settled for the caller.

import { afterAll, describe, expect, it } from 'vitest';
import { timed } from '../../src/functions/timing.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { recorder } from '../functions/recorder.js';

/** A Mongoose-like Query: lazy, each then/catch/finally runs the query once through exec(). */
class Query {
  static runs = 0;
  constructor(private readonly fail: boolean) {}
  exec(): Promise<string> {
    Query.runs++;
    return new Promise((resolve, reject) =>
      setTimeout(() => (this.fail ? reject(new Error('query failed')) : resolve('rows')), 5),
    );
  }
  // biome-ignore lint/suspicious/noThenProperty: a Mongoose-like query is a thenable on purpose.
  then(onOk?: (v: string) => unknown, onErr?: (e: unknown) => unknown): Promise<unknown> {
    return this.exec().then(onOk, onErr);
  }
  catch(onErr?: (e: unknown) => unknown): Promise<unknown> {
    return this.exec().then(null, onErr);
  }
  finally(onFinally?: () => void): Promise<unknown> {
    return this.exec().finally(onFinally);
  }
}

type Settle = 'ok' | 'failed';
/** Calls a builder every way a caller does; returns how each run settled for the caller, in order. */
async function callEveryWay(make: (fail: boolean) => Query): Promise<Settle[]> {
  const seen: Settle[] = [];
  // .catch() on a success: the caller gets the rows (what the builder's own catch gives)
  expect(await make(false).catch(() => 'handled')).toBe('rows');
  seen.push('ok');
  // .catch() on a failure: the handler's value
  expect(await make(true).catch((e) => `handled ${(e as Error).message}`)).toBe('handled query failed');
  seen.push('failed');
  // .finally() on a success and on a failure: the handler runs once, the outcome passes through
  let finallies = 0;
  expect(await make(false).finally(() => void finallies++)).toBe('rows');
  seen.push('ok');
  await expect(make(true).finally(() => void finallies++)).rejects.toThrow('query failed');
  seen.push('failed');
  expect(finallies).toBe(2);
  // .then() unchanged
  expect(await make(false).then((v) => `got ${v}`)).toBe('got rows');
  seen.push('ok');
  expect(await make(true).then(undefined, () => 'caught')).toBe('caught');
  seen.push('failed');
  return seen;
}

const monitors: SystemMonitor[] = [];
afterAll(async () => {
  await Promise.all(monitors.map((m) => m.close()));
});

describe('a Mongoose-style builder called with its own .catch()/.finally() (RT48-5)', () => {
  it('monitor.job records one run per call, when it settles, however the caller called it', async () => {
    const m = createMonitor({ sampleIntervalMs: 0 });
    monitors.push(m);
    const job = m.job('sweep', (fail: boolean) => new Query(fail));
    const before = Query.runs;
    const seen = await callEveryWay((fail) => job(fail));
    expect(Query.runs - before).toBe(seen.length); // the query ran once per call, never twice
    const row = m.jobs.rows().find((r) => r.name === 'sweep');
    expect(row).toMatchObject({
      runs: seen.length,
      failures: seen.filter((s) => s === 'failed').length,
      running: 0,
    });
    expect(row?.last_success).not.toBeNull();
    expect(row?.last_failure?.error).toBe('query failed');
  });

  it('timed() records one call per builder, its failure as the caller saw it', async () => {
    const rec = recorder();
    const find = timed((fail: boolean) => new Query(fail), { name: 'findUsers', monitor: rec });
    const before = Query.runs;
    const seen = await callEveryWay((fail) => find(fail));
    expect(Query.runs - before).toBe(seen.length);
    expect(rec.calls.map((c) => [c[0], c[2]])).toEqual(seen.map((s) => ['findUsers', s === 'failed']));
  });

  it('a call is recorded once, when it first settles, whichever of catch/then/finally started it', async () => {
    const rec = recorder();
    const find = timed(() => new Query(false), { name: 'once', monitor: rec });
    const q = find();
    const before = Query.runs;
    expect(await q.catch(() => 'handled')).toBe('rows');
    expect(rec.calls.length).toBe(1); // recorded as the .catch() settled
    expect(await q).toBe('rows'); // the builder's own semantics: each await runs its query again
    expect(await q.finally(() => {})).toBe('rows');
    expect(Query.runs - before).toBe(3);
    expect(rec.calls.map((c) => c[0])).toEqual(['once']);
  });
});
