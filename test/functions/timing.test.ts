// @timed with TypeScript 5 standard (TC39) decorators; test/timing.legacy.test.ts covers experimentalDecorators.

import { describe, expect, it, vi } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import {
  adoptDefaultFunctionStats,
  type FunctionRecorder,
  getDefaultFunctionStats,
  getDefaultRecorder,
  releaseDefaultRecorder,
  setDefaultRecorder,
  timed,
} from '../../src/functions/timing.js';
import { type Call, recorder, resetTimingAfterEach } from './recorder.js';

resetTimingAfterEach();

describe('@timed() on methods (TC39 decorators)', () => {
  it('records ClassName.method, keeps `this`, arguments and the return value', () => {
    const rec = recorder();
    const result = { rows: 1 };
    class Repo {
      table = 'users';
      @timed({ monitor: rec })
      find(id: number, extra?: string) {
        return { self: this, id, extra, result };
      }
    }
    const repo = new Repo();
    const out = repo.find(7, 'x');
    expect(out.self).toBe(repo);
    expect([out.id, out.extra, out.result]).toEqual([7, 'x', result]);
    expect(out.result).toBe(result);
    expect(rec.calls).toHaveLength(1);
    const [name, ms, failed] = rec.calls[0] as Call;
    expect([name, failed]).toEqual(['Repo.find', false]);
    expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('takes a custom name as a string or an option', () => {
    const rec = recorder();
    setDefaultRecorder(rec);
    class Mailer {
      @timed('mail.send')
      send() {
        return 1;
      }
      @timed({ name: 'mail.queue' })
      queue() {
        return 2;
      }
    }
    const m = new Mailer();
    m.send();
    m.queue();
    expect(rec.calls.map((c) => c[0])).toEqual(['mail.send', 'mail.queue']);
  });

  it('counts a throw as failed and rethrows the very same error', () => {
    const rec = recorder();
    const error = new TypeError('boom');
    class Svc {
      @timed({ monitor: rec })
      run(): never {
        throw error;
      }
    }
    expect(() => new Svc().run()).toThrow(error);
    try {
      new Svc().run();
    } catch (e) {
      expect(e).toBe(error);
    }
    expect(rec.calls.map((c) => c[2])).toEqual([true, true]);
  });

  it('times async methods until they settle and passes on the value or the same error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const rec = recorder();
    const error = new Error('db down');
    const value = { ok: true };
    class Db {
      @timed({ monitor: rec })
      async query(fail: boolean) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (fail) throw error;
        return value;
      }
    }
    const db = new Db();
    const ok = db.query(false);
    const bad = db.query(true);
    const badSettled = bad.catch((e: unknown) => e);
    expect(ok).toBeInstanceOf(Promise);
    expect(rec.calls).toEqual([]); // nothing until they settle
    await vi.advanceTimersByTimeAsync(250);
    expect(await ok).toBe(value);
    expect(await badSettled).toBe(error);
    expect(rec.calls).toEqual([
      ['Db.query', 250, false],
      ['Db.query', 250, true],
    ]);
  });

  it("times an async generator method from the call until its iteration ends, the caller's loop included (review F2)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const rec = recorder();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    class Feed {
      @timed({ monitor: rec })
      async *items(n: number) {
        for (let i = 0; i < n; i++) {
          await sleep(40);
          yield i;
        }
        return 'done';
      }
    }
    const t0 = performance.now();
    const run = (async () => {
      const seen: number[] = [];
      for await (const v of new Feed().items(3)) {
        seen.push(v);
        await sleep(7); // the caller's own work per item
      }
      return { seen, ms: performance.now() - t0 };
    })();
    await vi.advanceTimersByTimeAsync(1000);
    const { seen, ms } = await run;
    expect(seen).toEqual([0, 1, 2]);
    expect(ms).toBe(3 * 47);
    expect(rec.calls).toEqual([['Feed.items', ms, false]]);
  });

  it("counts a throw out of a generator's iteration as failed, passes the same error, and records an early return once", () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const rec = recorder();
    const error = new Error('gen boom');
    class Rows {
      @timed({ monitor: rec })
      *read(fail: boolean) {
        const got: unknown = yield 1;
        vi.advanceTimersByTime(5);
        yield got;
        if (fail) throw error;
        yield 3;
        return 'end';
      }
    }
    const rows = new Rows();
    const it = rows.read(true);
    expect(rec.calls).toEqual([]); // creating the iterator is not the call's end
    expect(it.next()).toEqual({ value: 1, done: false });
    expect(it.next('sent')).toEqual({ value: 'sent', done: false }); // next(value) reaches the method
    vi.advanceTimersByTime(20);
    expect(() => it.next()).toThrow(error);
    expect(rec.calls).toEqual([['Rows.read', 25, true]]);
    // A loop left early (`break` calls return()) ends the call, a success; one run to its end too.
    for (const v of rows.read(false)) if (v === 1) break;
    expect([...rows.read(false)]).toEqual([1, undefined, 3]);
    const whole = rows.read(false);
    expect([whole.next(), whole.next(), whole.next(), whole.next()].at(-1)).toEqual({
      value: 'end',
      done: true,
    });
    expect(rec.calls.slice(1)).toEqual([
      ['Rows.read', 0, false],
      ['Rows.read', 5, false],
      ['Rows.read', 5, false],
    ]);
  });

  it('names static methods and inherited methods after the class that declares them', () => {
    const rec = recorder();
    class Base {
      @timed({ monitor: rec })
      static create() {
        return 'made';
      }
      @timed({ monitor: rec })
      load() {
        return 'base';
      }
    }
    class Child extends Base {
      override load() {
        return `child+${super.load()}`;
      }
    }
    expect(Child.create()).toBe('made');
    expect(new Child().load()).toBe('child+base');
    expect(new Base().load()).toBe('base');
    expect(rec.calls.map((c) => c[0])).toEqual(['Base.create', 'Base.load', 'Base.load']);
  });

  it('times private methods too', () => {
    const rec = recorder();
    class Vault {
      @timed({ monitor: rec })
      #open() {
        return 'open';
      }
      use() {
        return this.#open();
      }
    }
    expect(new Vault().use()).toBe('open');
    expect(rec.calls.map((c) => c[0])).toEqual(['Vault.#open']);
  });

  it('works written without parentheses', () => {
    const rec = recorder();
    setDefaultRecorder(rec);
    class Bare {
      @timed
      go() {
        return 'went';
      }
    }
    expect(new Bare().go()).toBe('went');
    expect(rec.calls.map((c) => c[0])).toEqual(['Bare.go']);
  });

  it('refuses anything but a method, at class definition', () => {
    expect(() => {
      class WithGetter {
        // @ts-expect-error a getter is not a method
        @timed()
        get value() {
          return 1;
        }
      }
      return WithGetter;
    }).toThrow(SysvitalsError);
  });

  it('never lets a failing recorder break the call', () => {
    const broken = {
      recordFunction() {
        throw new Error('recorder broke');
      },
    };
    class Safe {
      @timed({ monitor: broken })
      sync() {
        return 'sync';
      }
      @timed({ monitor: broken })
      async later() {
        return 'later';
      }
    }
    expect(new Safe().sync()).toBe('sync');
    return expect(new Safe().later()).resolves.toBe('later');
  });
});

describe('timed(fn) for plain functions', () => {
  it('wraps a function, keeping name, length, `this` and the result', () => {
    const rec = recorder();
    function add(this: { base: number }, a: number, b: number) {
      return this.base + a + b;
    }
    const timedAdd = timed(add, { monitor: rec });
    expect(timedAdd.name).toBe('add');
    expect(timedAdd.length).toBe(2);
    expect(timedAdd.call({ base: 10 }, 1, 2)).toBe(13);
    const named = timed((x: number) => x * 2, { name: 'double', monitor: rec });
    expect(named(4)).toBe(8);
    const anonymous = timed(
      (
        () => () =>
          0
      )(),
      { monitor: rec },
    );
    anonymous();
    expect(rec.calls.map((c) => c[0])).toEqual(['add', 'double', 'anonymous']);
  });

  it('accepts a name as a string', () => {
    const rec = recorder();
    setDefaultRecorder(rec);
    timed(() => 1, 'job.tick')();
    expect(rec.calls.map((c) => c[0])).toEqual(['job.tick']);
  });

  it('returns a thenable that is not a Promise as the same object, without calling then() itself', () => {
    const rec = recorder();
    const then = vi.fn();
    const query = { then, exec: () => 'ran' };
    const build = timed(() => query, { name: 'build', monitor: rec });
    expect(build()).toBe(query);
    expect(then).not.toHaveBeenCalled();
    expect(rec.calls).toEqual([]); // not awaited: not run, nothing to time yet
  });

  it('times a lazy builder (a non-Promise thenable) from the call until it settles, calling its then once per await (review F2)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const rec = recorder();
    /** A Knex-like builder: chainable, runs its query only when then() is called, once per call. */
    class Builder {
      runs = 0;
      readonly wheres: string[] = [];
      where(w: string) {
        this.wheres.push(w);
        return this;
      }
      // biome-ignore lint/suspicious/noThenProperty: a Knex-like builder is a thenable on purpose.
      then(onOk: (v: string[]) => unknown, onErr: (e: unknown) => unknown) {
        this.runs++;
        const fail = this.wheres.includes('fail');
        return new Promise<string[]>((resolve, reject) =>
          setTimeout(() => (fail ? reject(new Error('query failed')) : resolve([...this.wheres])), 60),
        ).then(onOk, onErr);
      }
    }
    class Repo {
      @timed({ monitor: rec })
      users() {
        return new Builder();
      }
    }
    const repo = new Repo();
    const t0 = performance.now();
    const builder = repo.users();
    expect(builder).toBeInstanceOf(Builder);
    const chained = builder.where('a').where('b'); // chaining still works, and runs nothing
    expect([chained, builder.runs]).toEqual([builder, 0]);
    const rows = (async () => {
      const got = await chained;
      return { got, ms: performance.now() - t0 };
    })();
    const failed = (async () => {
      try {
        await repo.users().where('fail');
      } catch (e) {
        return (e as Error).message;
      }
    })();
    await vi.advanceTimersByTimeAsync(100);
    expect(await rows).toEqual({ got: ['a', 'b'], ms: 60 });
    expect(await failed).toBe('query failed');
    expect(builder.runs).toBe(1);
    expect(rec.calls).toEqual([
      ['Repo.users', 60, false],
      ['Repo.users', 60, true],
    ]);
  });

  it('leaves a rejection it passes on unhandled when the caller does not handle it', async () => {
    const rec = recorder();
    const error = new Error('nobody catches me');
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      timed(async () => Promise.reject(error), { name: 'fire', monitor: rec })();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(seen).toEqual([error]);
    expect(rec.calls).toEqual([['fire', expect.any(Number), true]]);
  });

  it.each([
    [42, /takes a name or/],
    [{ nam: 'x' }, /Did you mean `name`/],
    [{ monitor: {} }, /recordFunction/],
    [{ name: '' }, /non-empty/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => timed(options as never)).toThrow(message);
  });
});

describe('the default recorder', () => {
  it('collects calls made before any monitor exists into the module-level statistics', () => {
    const stats = getDefaultFunctionStats();
    expect(getDefaultRecorder()).toBe(stats);
    class Early {
      @timed('early.call')
      call() {
        return 1;
      }
    }
    const before = stats.snapshot()['early.call']?.count ?? 0;
    new Early().call();
    expect(stats.snapshot()['early.call']?.count).toBe(before + 1);
  });

  it('hands the module statistics to the first monitor, and only to one at a time', () => {
    const first = recorder();
    const second = recorder();
    const clock = { now: () => Date.now() };
    expect(adoptDefaultFunctionStats(first, clock)).toBe(getDefaultFunctionStats());
    expect(getDefaultRecorder()).toBe(first);
    expect(adoptDefaultFunctionStats(second)).toBeNull();
    class Late {
      @timed()
      run() {
        return 1;
      }
    }
    new Late().run(); // resolved at call time, so a class defined earlier records here too
    expect(first.calls.map((c) => c[0])).toEqual(['Late.run']);
    releaseDefaultRecorder(second); // not the holder: no effect
    expect(getDefaultRecorder()).toBe(first);
    releaseDefaultRecorder(first);
    expect(getDefaultRecorder()).toBe(getDefaultFunctionStats());
    expect(adoptDefaultFunctionStats(second)).toBe(getDefaultFunctionStats());
    releaseDefaultRecorder(second);
  });

  it('records into a FunctionTimings given as the monitor', () => {
    const stats = new FunctionTimings();
    class Job {
      @timed({ monitor: stats })
      run() {
        return 'done';
      }
    }
    new Job().run();
    expect(stats.snapshot()['Job.run']).toMatchObject({ count: 1, errors: 0 });
  });

  it('rejects a default recorder without recordFunction', () => {
    expect(() => setDefaultRecorder({} as FunctionRecorder)).toThrow(SysvitalsError);
  });
});
