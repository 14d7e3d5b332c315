// What a timed call returns when its work is not done by the time it returns: the iterator of a generator
// method (timed over its iteration) and a thenable that is not a Promise (timed until it settles).

// biome-ignore lint/suspicious/noExplicitAny: any function, whatever its `this` and parameters.
type AnyFunction = (this: any, ...args: any[]) => any;

/** The `then` of a thenable that is not a native Promise (a query builder), or undefined. */
export function thenOf(result: unknown): AnyFunction | undefined {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return undefined;
  try {
    const then = (result as { then?: unknown }).then;
    return typeof then === 'function' ? (then as AnyFunction) : undefined;
  } catch {
    return undefined; // a getter that throws: not ours to call again
  }
}

/**
 * A thenable that is not a Promise (Knex and Mongoose builders run their query when `then` is called, and
 * may still be chained): the same object is returned, with an own `then` that calls the original once for
 * each time the caller calls it, nothing more, so laziness and chaining are kept. The call is recorded when it
 * first settles, timed from the call: a `then` that throws is a failure, a thenable it fulfils with is followed and
 * recorded as it settles. Its own `catch` and `finally`, when it has them, go through that `then` (RT48-5). An object
 * whose `then` cannot be replaced (frozen) is timed as a sync
 * call; one never awaited (run by `.exec()`, `.stream()`) is not recorded. `begin` is called once, when the run
 * starts being followed (the first `then`, or at once for a frozen object), and always before `end`: a job counts
 * as running only from there, so builders run by `.exec()` do not pile up as running for ever (RT46-4).
 */
export function timedThenable(
  result: object,
  then: AnyFunction,
  end: (failed: boolean, error?: unknown) => void,
  begin?: () => void,
): object {
  let begun = false;
  const start = () => {
    if (begun) return;
    begun = true;
    begin?.();
  };
  let ended = false;
  const finish = (failed: boolean, error?: unknown) => {
    if (ended) return;
    ended = true;
    end(failed, error);
  };
  const timedThen = function (this: unknown, onFulfilled?: unknown, onRejected?: unknown): unknown {
    start();
    // Recorded as an await settles (outside review 42, RT42-9): a value that is itself a thenable is adopted as
    // Promise.resolve does (called once, here, and handed on settled the same way), a throw out of `then` before
    // it called back is a failure (the await rejects with it).
    let calledBack = false;
    try {
      return then.call(
        this,
        (value: unknown) => {
          calledBack = true;
          if (adoptable(value)) {
            // The callback gets what the original then handed over, the same object (outside review 46, RT46-4:
            // it got a Promise in its place), followed here without running it twice (followSettled).
            const passed = followSettled(value as object, finish);
            return typeof onFulfilled === 'function' ? onFulfilled(passed) : passed;
          }
          finish(false);
          return typeof onFulfilled === 'function' ? onFulfilled(value) : value;
        },
        (error: unknown) => {
          calledBack = true;
          finish(true, error);
          if (typeof onRejected === 'function') return onRejected(error);
          throw error;
        },
      );
    } catch (error) {
      if (!calledBack) finish(true, error);
      throw error;
    }
  };
  try {
    const own = Object.getOwnPropertyDescriptor(result, 'then');
    Object.defineProperty(result, 'then', {
      value: timedThen,
      configurable: true,
      writable: true,
      enumerable: own?.enumerable ?? false,
    });
  } catch {
    start();
    finish(false); // frozen or a Proxy that refuses: timed as a synchronous call, as before
    return result;
  }
  // The builder's own catch/finally run its query directly (Mongoose: `catch(r) { return this.exec().then(null, r) }`),
  // so `job().catch(log)` was never recorded (outside review 48, RT48-5): they go through the timed then, as a
  // Promise's do (catch(r) is then(undefined, r), finally per Promise.prototype.finally), running the query once.
  const timedCatch = function (this: unknown, onRejected?: unknown): unknown {
    return timedThen.call(this, undefined, onRejected);
  };
  const timedFinally = function (this: unknown, onFinally?: unknown): unknown {
    if (typeof onFinally !== 'function') return timedThen.call(this, onFinally, onFinally);
    return timedThen.call(
      this,
      (value: unknown) => Promise.resolve(onFinally()).then(() => value),
      (error: unknown) =>
        Promise.resolve(onFinally()).then(() => {
          throw error;
        }),
    );
  };
  replaceMethod(result, 'catch', timedCatch);
  replaceMethod(result, 'finally', timedFinally);
  return result;
}

/** Gives `result` an own `key` of `method` when it has a function there; one that cannot be replaced is left as it is. */
function replaceMethod(result: object, key: 'catch' | 'finally', method: AnyFunction): void {
  try {
    if (typeof (result as Record<string, unknown>)[key] !== 'function') return;
    const own = Object.getOwnPropertyDescriptor(result, key);
    Object.defineProperty(result, key, {
      value: method,
      configurable: true,
      writable: true,
      enumerable: own?.enumerable ?? false,
    });
  } catch {
    // a getter that throws, or an object that refuses: its own method, as before
  }
}

/**
 * Follows `value`, a thenable a timed `then` fulfilled with, to its settlement, and returns what to hand the caller's
 * callback: `value` itself. A native Promise is observed (its then runs nothing). Another thenable is adopted once
 * here, as Promise.resolve does (its `then` called once), and its `then` replaced, for its next call only, by one
 * handing on that adoption, so the caller's own await of it does not run it again. One whose `then` cannot be replaced is handed on as the
 * adopting Promise (settled the same way).
 */
function followSettled(value: object, finish: (failed: boolean, error?: unknown) => void): unknown {
  const settled = (promise: Promise<unknown>) =>
    promise.then(
      () => finish(false),
      (error: unknown) => finish(true, error),
    );
  if (value instanceof Promise) {
    settled(value);
    return value;
  }
  const adopted = Promise.resolve(value); // reads the original `then` now, calls it in a job
  settled(adopted);
  try {
    const own = Object.getOwnPropertyDescriptor(value, 'then');
    Object.defineProperty(value, 'then', {
      // Once: the next then (the caller's await of it) gets this adoption, and the object's own then is back.
      value: (onFulfilled?: unknown, onRejected?: unknown) => {
        if (own === undefined) delete (value as { then?: unknown }).then;
        else Object.defineProperty(value, 'then', own);
        return adopted.then(
          onFulfilled as ((v: unknown) => unknown) | undefined,
          onRejected as ((e: unknown) => unknown) | undefined,
        );
      },
      configurable: true,
      writable: true,
      enumerable: own?.enumerable ?? false,
    });
  } catch {
    return adopted;
  }
  return value;
}

/** Whether a fulfilment value would be adopted by an await: an object or function with a `then` (or a getter that throws). */
function adoptable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true; // Promise.resolve rejects with the getter's error, as the await does
  }
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

/** A generator function's call only creates its iterator: its work is done while it is iterated. */
export function functionKind(fn: AnyFunction): 'function' | 'generator' | 'async-generator' {
  if (fn instanceof AsyncGeneratorFunction) return 'async-generator';
  if (fn instanceof GeneratorFunction) return 'generator';
  return 'function';
}

/**
 * The iterator of a timed generator method: delegates every next/throw/return to the method's own with
 * `yield*`, and records once, when the iteration ends: run to its end or returned early (`break`) is a
 * success, a throw out of it a failure. The duration runs from the call, the caller's loop included.
 */
export function* timedIteration(it: Generator, end: (failed: boolean, error?: unknown) => void): Generator {
  let failed = false;
  let error: unknown;
  try {
    return yield* it;
  } catch (e) {
    failed = true;
    error = e;
    throw e;
  } finally {
    end(failed, error);
  }
}

/** timedIteration for an async generator method. */
export async function* timedAsyncIteration(
  it: AsyncGenerator,
  end: (failed: boolean, error?: unknown) => void,
): AsyncGenerator {
  let failed = false;
  let error: unknown;
  try {
    return yield* it;
  } catch (e) {
    failed = true;
    error = e;
    throw e;
  } finally {
    end(failed, error);
  }
}
