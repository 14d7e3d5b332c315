// Outside review 46, RT46-4. (1) monitor.job() counted every call `running` at once and only a `then` ever ended it:
// a builder run with `.exec()` (Mongoose's documented way to run a query) stayed running for ever, one more per call.
// README: "A builder run another way (`.exec()`, `.stream()`) is not recorded"; `running`: "shown as running until it
// finishes". The oracle is the caller's own count: the runs it awaited, the ones that failed, none still pending.
// (2) A thenable fulfilling with another thenable handed a caller's own `.then(cb)` a native Promise in its place; the
// oracle is the unwrapped builder: what its `then` hands `cb` (the same object), and how often the inner thenable's
// `then` runs for one await (once).

import { afterAll, describe, expect, it } from 'vitest';
import { timed } from '../../src/functions/timing.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

/** A Mongoose/Knex-like builder: runs when exec() or then() is called; then() runs exec(). */
class Builder {
  constructor(
    private readonly value: number,
    private readonly fail: boolean,
    private readonly gate?: Promise<void>,
  ) {}
  async exec(): Promise<number> {
    await this.gate;
    if (this.fail) throw new Error('E11000 duplicate key');
    return this.value;
  }
  // biome-ignore lint/suspicious/noThenProperty: a query builder is a thenable on purpose.
  then(onOk?: (v: number) => unknown, onErr?: (e: unknown) => unknown): Promise<unknown> {
    return this.exec().then(onOk, onErr);
  }
}

const monitors: SystemMonitor[] = [];
afterAll(async () => {
  await Promise.all(monitors.map((m) => m.close()));
});

function monitor(): SystemMonitor {
  const m = createMonitor({ sampleIntervalMs: 0 });
  monitors.push(m);
  return m;
}

describe('monitor.job with a builder run by .exec()', () => {
  it('is not running for ever: running counts only the runs it follows', async () => {
    const m = monitor();
    const job = m.job(
      'find-users',
      (v: number, fail = false, gate?: Promise<void>) => new Builder(v, fail, gate),
    );
    for (let i = 0; i < 5; i++) expect(await job(i).exec()).toBe(i); // not recorded, not running
    let awaited = 0;
    let failed = 0;
    for (const fail of [false, false, true]) {
      awaited++;
      await job(1, fail).then(undefined, () => {
        failed++;
      });
    }
    const row = () => m.jobs.rows().find((r) => r.name === 'find-users');
    expect(row()).toMatchObject({ runs: awaited, failures: failed, running: 0 });

    // An awaited run is running until it settles.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const pending = job(2, false, gate).then((v) => v);
    expect(row()?.running).toBe(1);
    open();
    expect(await pending).toBe(2);
    expect(row()).toMatchObject({ runs: awaited + 1, running: 0 });
  });
});

/** A thenable fulfilling with `inner`. */
const outer = (inner: unknown) => ({
  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
  then(onOk: (v: unknown) => unknown) {
    return onOk(inner);
  },
});

/** A lazy thenable counting how often its work runs; fulfils with 42. */
function lazyInner() {
  const counts = { runs: 0 };
  const inner = {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose.
    then(onOk: (v: unknown) => unknown) {
      counts.runs++;
      return onOk(42);
    },
  };
  return { inner, counts };
}

describe.each([
  ['monitor.job', (m: SystemMonitor, f: (x: unknown) => unknown) => m.job('nested', f)],
  [
    '@timed({ job: true })',
    (m: SystemMonitor, f: (x: unknown) => unknown) => timed(f, { name: 'nested', monitor: m, job: true }),
  ],
])('%s: a thenable fulfilling with another thenable', (_label, wrap) => {
  it("hands a caller's then(cb) the same object the builder's then hands it", async () => {
    const m = monitor();
    const wrapped = wrap(m, (inner) => outer(inner)) as (inner: unknown) => {
      then(cb: (v: unknown) => void): void;
    };
    for (const make of [() => lazyInner().inner, () => Promise.resolve(7)]) {
      const inner = make();
      let oracle: unknown;
      outer(inner).then((v) => {
        oracle = v;
      });
      let got: unknown;
      wrapped(inner).then((v) => {
        got = v;
      });
      expect(oracle).toBe(inner);
      expect(got).toBe(inner);
    }
  });

  it('an await runs the inner thenable once and gets its value; the run is recorded', async () => {
    const m = monitor();
    const wrapped = wrap(m, (inner) => outer(inner)) as (inner: unknown) => PromiseLike<unknown>;
    const oracle = lazyInner();
    const mine = lazyInner();
    expect(await outer(oracle.inner)).toBe(42);
    expect(await wrapped(mine.inner)).toBe(42);
    expect(mine.counts.runs).toBe(oracle.counts.runs);
    expect(mine.counts.runs).toBe(1);
    // Its own then is back: awaited again, it runs again, as the unwrapped one does.
    expect(await mine.inner).toBe(42);
    expect(mine.counts.runs).toBe(2);
    expect(m.jobs.rows().find((r) => r.name === 'nested')).toMatchObject({
      runs: 1,
      failures: 0,
      running: 0,
    });
  });
});
