// The default logger and the "tell once per outage" helper every fallible part uses.

import { redactCredentials } from './channels/credentials.js';
import { thrownText } from './channels/thrown-text.js';
import type { Logger } from './types.js';

/** Quiet by default: warnings and errors to stderr, one readable line each, nothing else. */
export const consoleLogger: Logger = {
  error: (obj, msg) => console.error(consoleLine(obj, msg)),
  warn: (obj, msg) => console.warn(consoleLine(obj, msg)),
};

/** The message, prefixed once with `sysvitals:`, plus the error's text when the message does not carry it. */
export function consoleLine(obj: unknown, msg?: string): string {
  const text = msg ?? (obj instanceof Error ? obj.message : '');
  const line = text.startsWith('sysvitals') ? text : `sysvitals: ${text}`;
  const err = obj instanceof Error ? obj.message : (obj as { err?: unknown } | null)?.err;
  const detail = err === undefined || err === null ? '' : String(err);
  return escapeControls(detail && !line.includes(detail) ? `${line} (${detail})` : line);
}

/** C0 and C1 controls, DEL, line/paragraph separators and bidi overrides/isolates: what forges log lines. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `value` with every control character written as `\uXXXX`, so that a string a request supplied (a silence's
 * `created_by`, an error text) cannot start a new log line or send escape sequences to a terminal.
 */
export function escapeControls(value: string): string {
  return value.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when `value` holds a character {@link escapeControls} would escape. */
export function hasControls(value: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(value);
  CONTROL.lastIndex = 0;
  return found;
}

export const silentLogger: Logger = { error() {}, warn() {} };

const SAFE = new WeakSet<Logger>();

/**
 * `logger` with every method guarded: a method that throws (a broken transport, a strict test double) has its line
 * dropped, and stderr is told once, so that a log call from a timer or a promise continuation can never become an
 * uncaught exception or an unhandled rejection in the host (outside review 33, RT33-5). The methods `logger` lacks stay
 * absent (`info ?? warn` keeps working); a logger already guarded is returned as it is.
 */
export function safeLogger(logger: Logger): Logger {
  if (SAFE.has(logger)) return logger;
  let told = false;
  const tell = (name: string, err: unknown): void => {
    if (told) return;
    told = true;
    try {
      console.error(`sysvitals: the logger's ${name}() failed (${errorMessage(err)}); its lines are dropped`);
    } catch {
      // stderr itself failed: nothing is left to tell.
    }
  };
  /** The logger's method `name`, read once; a getter or a Proxy trap that throws reads as absent (told once). */
  const read = (name: keyof Logger): ((...a: unknown[]) => unknown) | undefined => {
    try {
      const fn = logger[name];
      return typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown) : undefined;
    } catch (err) {
      tell(name, err);
      return undefined;
    }
  };
  const guard =
    (name: keyof Logger) =>
    (...args: [obj: unknown, msg?: string]): void => {
      try {
        const fn = read(name);
        const result = fn?.apply(logger, args);
        // An async method (a remote transport's wrapper) rejects instead of throwing (outside review 35, RT35-1).
        if (
          result !== null &&
          typeof result === 'object' &&
          typeof (result as Promise<unknown>).then === 'function'
        )
          (result as Promise<unknown>).then(undefined, (err: unknown) => tell(name, err));
      } catch (err) {
        tell(name, err);
      }
    };
  const safe: Logger = { error: guard('error'), warn: guard('warn') };
  if (read('info')) safe.info = guard('info');
  if (read('debug')) safe.debug = guard('debug');
  SAFE.add(safe);
  return safe;
}

/**
 * Tracks outages by key: logs when one starts and when it ends, never in between,
 * so a dependency that fails every sample produces two lines, not thousands.
 */
export class OutageLog {
  private readonly down = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** `fields`: more of the cause for the log line (e.g. where a bug threw: errorStack()). */
  failed(key: string, err: unknown, fields?: Record<string, unknown>): void {
    if (this.down.has(key)) return;
    this.down.set(key, this.now());
    this.logger.warn(
      { component: key, err: errorMessage(err), ...fields },
      `sysvitals: ${key} is failing: ${errorMessage(err)}`,
    );
  }

  recovered(key: string): void {
    const since = this.down.get(key);
    if (since === undefined) return;
    this.down.delete(key);
    const seconds = Math.round((this.now() - since) / 1000);
    const log = this.logger.info ?? this.logger.warn;
    log.call(this.logger, { component: key, seconds }, `sysvitals: ${key} recovered after ${seconds}s`);
  }

  isDown(key: string): boolean {
    return this.down.has(key);
  }
}

/** Where a thrown Error was thrown: its name and first stack frames (credentials redacted); undefined for others. */
export function errorStack(err: unknown): string | undefined {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return undefined;
  return redactCredentials(err.stack.split('\n').slice(0, 6).join('\n'));
}

/**
 * The text of a thrown value (its message, or the value as a string) with credentials redacted
 * (redactCredentials): what sysvitals stores, shows, sends and logs of an error (outside review 16, F5).
 */
export function errorMessage(err: unknown): string {
  const text = thrownText(err);
  return text === '' ? `no error given (${String(err)})` : redactCredentials(text);
}

/**
 * Wraps the work of a timer, an immediate or an event listener that sysvitals registers, so that nothing
 * it throws, or a promise it returns rejects with, reaches the host process as an uncaught exception or
 * an unhandled rejection: the failure is logged once per outage under `key`, and the next call runs again.
 * Monitoring never breaks the host (a /proc read that fails with EMFILE must not kill the app).
 */
export function guarded<A extends unknown[]>(
  outage: OutageLog,
  key: string,
  fn: (...args: A) => unknown,
): (...args: A) => void {
  const ok = () => outage.recovered(key);
  const failed = (err: unknown) => {
    try {
      outage.failed(key, err);
    } catch {
      // A logger that throws must not turn a caught failure into an uncaught one.
    }
  };
  return (...args: A): void => {
    try {
      const result = fn(...args);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(ok, failed);
      } else ok();
    } catch (err) {
      failed(err);
    }
  };
}
