// @timed(): times class methods (TC39 decorators and experimentalDecorators) and plain functions
// (timed(fn)), recording duration and failure into a monitor's function statistics.

import { invalidOption } from '../errors.js';
import { coarseClock } from '../latency/coarse-clock.js';
import { rejectUnknownOptions } from '../options/option-keys.js';
import type { Clock } from '../types.js';
import { FunctionTimings } from './function-stats.js';
import { functionKind, thenOf, timedAsyncIteration, timedIteration, timedThenable } from './timed-results.js';

/** Anything that takes `@timed` records: a SystemMonitor, a FunctionTimings. */
export interface FunctionRecorder {
  /** Records one call of `name`: its duration in ms and whether it threw. */
  recordFunction(name: string, durationMs: number, failed: boolean): void;
}

/** Options of `@timed` and `timed(fn)`: name, where to record, job mode. */
export interface TimedOptions {
  /** Name to record under. @defaultValue `ClassName.method` for methods, the function's name for timed(fn) */
  name?: string;
  /** Where to record. @defaultValue the default recorder, looked up at each call (see setDefaultRecorder) */
  monitor?: FunctionRecorder;
  /**
   * Record each call as a background job run (`jobs/`: runs, failures, last success, last failure with
   * its message) instead of a function call. Needs a recorder with recordJob() (a SystemMonitor); any
   * other recorder gets a function call. @defaultValue false
   */
  job?: boolean;
}

/** A recorder that also takes job runs (a SystemMonitor). */
export interface JobRecorder extends FunctionRecorder {
  recordJob(name: string, durationMs: number, failed: boolean, error?: unknown): void;
}

// biome-ignore lint/suspicious/noExplicitAny: a decorator must accept methods of any signature.
type AnyFunction = (this: any, ...args: any[]) => any;

/** What `timed()` returns: a method decorator for both TypeScript decorator modes. */
export interface TimedDecorator {
  /**
   * TC39 standard decorators (TypeScript 5 without experimentalDecorators).
   * @typeParam T - The decorated method's type, kept.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a decorator must accept methods of any signature.
  <T extends (this: any, ...args: any[]) => any>(value: T, context: ClassMethodDecoratorContext): T;
  /**
   * experimentalDecorators (legacy).
   * @typeParam T - The decorated method's type, kept.
   */
  <T>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T>;
}

// Calls timed while no monitor is the default land here; the next monitor created adopts them (getDefaultFunctionStats).
// When that monitor closes it keeps these statistics and the module starts fresh ones (outside review 36, RT36-5).
let defaultFunctionStats = new FunctionTimings();
let defaultRecorder: FunctionRecorder | null = null;
let adoptedBy: FunctionRecorder | null = null;

/** The module-level statistics that `@timed` records into while no default recorder is set. */
export function getDefaultFunctionStats(): FunctionTimings {
  return defaultFunctionStats;
}

/** Sets where `@timed` records when no `monitor` option was given; `null` restores the module default. */
export function setDefaultRecorder(recorder: FunctionRecorder | null): void {
  if (recorder !== null && typeof recorder?.recordFunction !== 'function') {
    throw invalidOption(
      'setDefaultRecorder() needs an object with recordFunction(name, ms, failed), or null.',
    );
  }
  defaultRecorder = recorder;
}

/**
 * For a monitor being created: if no live monitor has adopted the module-level statistics, hands
 * them over (with what was recorded before any monitor existed), switches them to `clock` if given,
 * and makes `recorder` the default recorder. Returns null when another monitor holds them: the
 * caller then keeps statistics of its own and is not the default.
 */
export function adoptDefaultFunctionStats(recorder: FunctionRecorder, clock?: Clock): FunctionTimings | null {
  if (adoptedBy !== null && adoptedBy !== recorder) return null;
  // A previous monitor may have set an injected clock; without one this monitor uses the coarse clock.
  defaultFunctionStats.useClock(clock ?? coarseClock);
  setDefaultRecorder(recorder);
  adoptedBy = recorder;
  return defaultFunctionStats;
}

/**
 * For a monitor being closed: stops being the default recorder; the next monitor may adopt. The closed monitor
 * keeps the statistics it adopted (its figures no longer change) and `@timed` records into fresh ones from now on,
 * so the next monitor counts only the calls made after this one closed (outside review 36, RT36-5).
 */
export function releaseDefaultRecorder(recorder: FunctionRecorder): void {
  if (defaultRecorder === recorder) defaultRecorder = null;
  if (adoptedBy === recorder) {
    adoptedBy = null;
    const kept = defaultFunctionStats;
    defaultFunctionStats = new FunctionTimings();
    kept.close();
  }
}

/** The recorder `@timed` uses when no `monitor` option was given. */
export function getDefaultRecorder(): FunctionRecorder {
  return defaultRecorder ?? defaultFunctionStats;
}

/**
 * `@timed()`, `@timed('name')`, `@timed({ name, monitor })` decorate a class method (both decorator
 * modes); `timed(fn, nameOrOptions?)` returns a timed copy of a plain function.
 * @typeParam F - The function's type, kept by the timed copy.
 */
// biome-ignore lint/suspicious/noExplicitAny: any function, whatever its `this` and parameters.
export function timed<F extends (this: any, ...args: any[]) => any>(
  fn: F,
  nameOrOptions?: string | TimedOptions,
): F;
export function timed(nameOrOptions?: string | TimedOptions): TimedDecorator;
/** `@timed` without parentheses, experimentalDecorators. */
export function timed<T>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
): TypedPropertyDescriptor<T>;
export function timed(...args: unknown[]): unknown {
  const [a, b, c] = args;
  if (typeof a === 'function') {
    // `@timed` written without parentheses reaches here with the decorator's own arguments.
    if (isMethodContext(b)) return decorateStandard(a as AnyFunction, b, {});
    if (args.length === 3) return decorateLegacy(a, b, c, {});
    const options = parseOptions(b);
    return wrap(a as AnyFunction, options.name ?? (a.name || 'anonymous'), options.monitor, options.job);
  }
  if (args.length === 3 && a !== null && typeof a === 'object') return decorateLegacy(a, b, c, {});
  const options = parseOptions(a);
  return function timedDecorator(...decoratorArgs: unknown[]): unknown {
    const [target, second, third] = decoratorArgs;
    if (typeof target === 'function' && isMethodContext(second)) {
      return decorateStandard(target as AnyFunction, second, options);
    }
    if (decoratorArgs.length === 3) return decorateLegacy(target, second, third, options);
    throw invalidOption('@timed() decorates class methods only.');
  };
}

interface ParsedOptions {
  name?: string;
  monitor?: FunctionRecorder;
  job?: boolean;
}

function parseOptions(value: unknown): ParsedOptions {
  if (value === undefined) return {};
  if (typeof value === 'string') return { name: checkName(value) };
  if (value === null || typeof value !== 'object') {
    throw invalidOption(
      `timed() takes a name or { name, monitor } (got ${value === null ? 'null' : typeof value}).`,
    );
  }
  rejectUnknownOptions(value, ['name', 'monitor', 'job'], 'timed()');
  const { name, monitor, job } = value as TimedOptions;
  if (job !== undefined && typeof job !== 'boolean')
    throw invalidOption('timed(): `job` must be true or false.');
  if (monitor !== undefined && typeof monitor?.recordFunction !== 'function') {
    throw invalidOption(
      'timed(): `monitor` must have recordFunction(name, ms, failed), e.g. a SystemMonitor.',
    );
  }
  return { name: name === undefined ? undefined : checkName(name), monitor, job: job === true };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw invalidOption(`timed(): \`name\` must be a non-empty string (got ${JSON.stringify(name)}).`);
  }
  return name;
}

function isMethodContext(value: unknown): value is ClassMethodDecoratorContext {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { addInitializer?: unknown }).addInitializer === 'function'
  );
}

function decorateStandard(method: AnyFunction, context: ClassMethodDecoratorContext, options: ParsedOptions) {
  if (context.kind !== 'method') {
    throw invalidOption(`@timed() decorates class methods only (found a ${context.kind}).`);
  }
  if (options.name !== undefined) return wrap(method, options.name, options.monitor, options.job);
  // TC39 decorators do not see the class, so the name is found on the first call: the class whose
  // prototype (or, for a static method, the class itself) holds this very wrapper.
  const key = context.name;
  const methodName = String(key);
  const wrapped: AnyFunction = wrap(
    method,
    (self: unknown) => `${declaringClassName(self, key, wrapped, context.static)}${methodName}`,
    options.monitor,
    options.job,
  );
  return wrapped;
}

function declaringClassName(
  self: unknown,
  key: string | symbol,
  wrapped: AnyFunction,
  isStatic: boolean,
): string {
  let holder: unknown = self;
  while (holder !== null && (typeof holder === 'object' || typeof holder === 'function')) {
    if (Object.getOwnPropertyDescriptor(holder, key)?.value === wrapped) {
      return prefix(isStatic ? holder : (holder as { constructor?: unknown }).constructor);
    }
    holder = Object.getPrototypeOf(holder);
  }
  // Private methods are not properties: fall back to the class of `this`.
  if (self === null || self === undefined) return '';
  return prefix(isStatic ? self : (self as { constructor?: unknown }).constructor);
}

function prefix(cls: unknown): string {
  const name = typeof cls === 'function' ? cls.name : '';
  return name ? `${name}.` : '';
}

function decorateLegacy(target: unknown, key: unknown, descriptor: unknown, options: ParsedOptions) {
  const value = (descriptor as PropertyDescriptor | undefined)?.value;
  if (typeof value !== 'function' || (typeof key !== 'string' && typeof key !== 'symbol')) {
    throw invalidOption('@timed() decorates class methods only (not properties or accessors).');
  }
  const cls = typeof target === 'function' ? target : (target as { constructor?: unknown }).constructor;
  const name = options.name ?? `${prefix(cls)}${String(key)}`;
  (descriptor as PropertyDescriptor).value = wrap(value as AnyFunction, name, options.monitor, options.job);
  return descriptor;
}

// Recording must never change what the caller sees: a failing recorder is ignored.
function report(
  monitor: FunctionRecorder | undefined,
  name: string,
  ms: number,
  failed: boolean,
  job = false,
  error?: unknown,
): void {
  try {
    const recorder = monitor ?? defaultRecorder ?? defaultFunctionStats;
    if (job && typeof (recorder as Partial<JobRecorder>).recordJob === 'function') {
      (recorder as JobRecorder).recordJob(name, ms, failed, error);
    } else {
      recorder.recordFunction(name, ms, failed);
    }
  } catch {
    // ignored on purpose
  }
}

/**
 * The timed copy of `fn`. A native Promise result is observed with then(): the caller gets a new
 * promise settling with the same value or the same error, so an unhandled rejection stays
 * unhandled. A generator or async generator method is timed over its iteration (timedIteration), another
 * thenable (a query builder that runs on then()) until it settles (timedThenable).
 */
function wrap(
  fn: AnyFunction,
  nameOrResolver: string | ((self: unknown) => string),
  monitor: FunctionRecorder | undefined,
  job = false,
): AnyFunction {
  const kind = functionKind(fn);
  let name = typeof nameOrResolver === 'string' ? nameOrResolver : undefined;
  const resolve = typeof nameOrResolver === 'function' ? nameOrResolver : undefined;
  const timedFunction = function (this: unknown, ...args: unknown[]): unknown {
    let label = name;
    if (label === undefined) {
      label = safeName(resolve, this, fn);
      // Keep the name once found from a real receiver; an unbound call says nothing about the class.
      if (this !== null && this !== undefined) name = label;
    }
    const start = performance.now();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      report(monitor, label, performance.now() - start, true, job, error);
      throw error;
    }
    if (kind !== 'function') {
      const end = (failed: boolean, error?: unknown) =>
        report(monitor, label as string, performance.now() - start, failed, job, error);
      return kind === 'generator'
        ? timedIteration(result as Generator, end)
        : timedAsyncIteration(result as AsyncGenerator, end);
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          report(monitor, label, performance.now() - start, false, job);
          return value;
        },
        (error: unknown) => {
          report(monitor, label, performance.now() - start, true, job, error);
          throw error;
        },
      );
    }
    const then = thenOf(result);
    if (then !== undefined) {
      return timedThenable(result as object, then, (failed, error) =>
        report(monitor, label as string, performance.now() - start, failed, job, error),
      );
    }
    report(monitor, label, performance.now() - start, false, job);
    return result;
  };
  Object.defineProperty(timedFunction, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(timedFunction, 'length', { value: fn.length, configurable: true });
  return timedFunction;
}

function safeName(resolve: ((self: unknown) => string) | undefined, self: unknown, fn: AnyFunction): string {
  try {
    if (resolve) return resolve(self) || fn.name || 'anonymous';
  } catch {
    // a Proxy `this` may throw on reflection; fall through
  }
  return fn.name || 'anonymous';
}
