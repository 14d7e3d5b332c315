// @timed with experimentalDecorators (vitest.config.ts compiles *.legacy.test.ts that way);
// test/timing.test.ts covers TC39 standard decorators.

import { describe, expect, it, vi } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import { getDefaultFunctionStats, setDefaultRecorder, timed } from '../../src/functions/timing.js';
import { recorder, resetTimingAfterEach } from './recorder.js';

resetTimingAfterEach();

describe('@timed() on methods (experimentalDecorators)', () => {
  it('is compiled as a legacy decorator here', () => {
    // Legacy decorators receive (prototype, key, descriptor); TC39 ones (value, context).
    const seen: unknown[][] = [];
    const spy = (...args: unknown[]): undefined => void seen.push(args);
    class Probe {
      @spy
      m() {}
    }
    expect(seen[0]?.[0]).toBe(Probe.prototype);
    expect(seen[0]?.[1]).toBe('m');
  });

  it('records ClassName.method, keeps `this`, arguments and the return value', () => {
    const rec = recorder();
    const result = { rows: 1 };
    class Repo {
      @timed({ monitor: rec })
      find(id: number) {
        return { self: this, id, result };
      }
    }
    const repo = new Repo();
    const out = repo.find(3);
    expect(out.self).toBe(repo);
    expect(out.id).toBe(3);
    expect(out.result).toBe(result);
    expect(rec.calls).toEqual([['Repo.find', expect.any(Number), false]]);
  });

  it('names static methods after their class and takes custom names', () => {
    const rec = recorder();
    setDefaultRecorder(rec);
    class Cache {
      @timed()
      static warm() {
        return 'warm';
      }
      @timed('cache.get')
      get(key: string) {
        return key;
      }
    }
    expect(Cache.warm()).toBe('warm');
    expect(new Cache().get('k')).toBe('k');
    expect(rec.calls.map((c) => c[0])).toEqual(['Cache.warm', 'cache.get']);
  });

  it('counts a throw as failed and rethrows the very same error', () => {
    const rec = recorder();
    const error = new RangeError('nope');
    class Svc {
      @timed({ monitor: rec })
      run(): never {
        throw error;
      }
    }
    let caught: unknown;
    try {
      new Svc().run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(error);
    expect(rec.calls.map((c) => c[2])).toEqual([true]);
  });

  it('times async methods until they settle and passes on the value or the same error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const rec = recorder();
    const error = new Error('timeout');
    class Api {
      @timed({ monitor: rec })
      async call(fail: boolean) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        if (fail) throw error;
        return 'body';
      }
    }
    const api = new Api();
    const ok = api.call(false);
    const bad = api.call(true).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(40);
    expect(await ok).toBe('body');
    expect(await bad).toBe(error);
    expect(rec.calls).toEqual([
      ['Api.call', 40, false],
      ['Api.call', 40, true],
    ]);
  });

  it('times generator methods over their iteration and counts a throw out of it (review F2)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const rec = recorder();
    const error = new Error('page boom');
    class Pages {
      @timed({ monitor: rec })
      async *fetch(fail: boolean) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        yield 'p1';
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (fail) throw error;
        yield 'p2';
      }
      @timed({ monitor: rec })
      *count() {
        yield 1;
        vi.advanceTimersByTime(9);
        yield 2;
      }
    }
    const pages = new Pages();
    const t0 = performance.now();
    const drain = async (fail: boolean) => {
      const got: string[] = [];
      try {
        for await (const p of pages.fetch(fail)) got.push(p);
      } catch (e) {
        got.push(e === error ? 'same error' : 'other');
      }
      return { got, ms: performance.now() - t0 };
    };
    const ok = drain(false);
    const bad = drain(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(await ok).toEqual({ got: ['p1', 'p2'], ms: 60 });
    expect(await bad).toEqual({ got: ['p1', 'same error'], ms: 60 });
    expect([...pages.count()]).toEqual([1, 2]);
    expect(rec.calls).toEqual([
      ['Pages.fetch', 60, false],
      ['Pages.fetch', 60, true],
      ['Pages.count', 9, false],
    ]);
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

  it('refuses accessors, at class definition', () => {
    // Typed loosely: the root tsconfig type-checks every file with TC39 decorator typings.
    const onAccessor = timed() as unknown as (...args: unknown[]) => undefined;
    expect(() => {
      class WithGetter {
        @onAccessor
        get value() {
          return 1;
        }
      }
      return WithGetter;
    }).toThrow(SysvitalsError);
  });

  it('records into the module-level statistics while no monitor exists', () => {
    class Early {
      @timed('legacy.early')
      call() {
        return 1;
      }
    }
    const stats = getDefaultFunctionStats();
    const before = stats.snapshot()['legacy.early']?.count ?? 0;
    new Early().call();
    new Early().call();
    expect(stats.snapshot()['legacy.early']?.count).toBe(before + 2);
  });
});
