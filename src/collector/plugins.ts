// Collector plugins: user groups collected beside the built-in ones with the same isolation (a
// deadline, errors caught, `unknown` with the error), at their own interval, under `plugins.<name>`
// so that no plugin can shadow a built-in group.

import { SysvitalsError } from '../errors.js';
import { errorMessage } from '../logger.js';
import { catchRejection } from '../options/callback-result.js';
import { MAX_TIMER_MS } from '../options/duration.js';
import type { ComponentStatus, Logger, PluginGroup } from '../types.js';
import { TimeoutError } from './deadline.js';
import { boundRecords, DEFAULT_MAX_RECORD_KEYS, jsonProblem } from './plugin-records.js';

/** What a plugin's collect() receives. */
export interface PluginContext {
  /**
   * Aborted when the deadline passes, or by monitor.close() (its reason then a SysvitalsError
   * `ERR_SYSVITALS_CLOSED`): pass it to fetch() or a client that takes one.
   */
  readonly signal: AbortSignal;
  /** The collection time, epoch ms (the monitor's clock). */
  readonly now: number;
  readonly logger: Logger;
}

/** A collector plugin: `createMonitor({ collectors: [plugin] })`. */
export interface CollectorPlugin {
  /** The group's key under `plugins` (letters, digits, `_`; not starting with a digit). */
  name: string;
  /** The group's figures: a plain object of numbers, strings, booleans, and objects of them. */
  collect(ctx: PluginContext): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Collect at most this often; in between, samples reuse the last result. @defaultValue every sample */
  intervalMs?: number;
  /** Longest wait for collect(). @defaultValue the monitor's groupTimeoutMs (1000) */
  timeoutMs?: number;
  /**
   * The group's status from its figures (a status rule); it then counts in the health status as
   * `plugins.<name>`. Without one the group is `healthy` whenever collect() succeeds.
   */
  status?(group: Record<string, unknown>): ComponentStatus;
  /**
   * Keys kept per record (an object of objects, such as `queues`), in its key order; the others are left out of
   * the group and counted in its `dropped_keys` (one warning). @defaultValue 100
   */
  maxRecordKeys?: number;
  /**
   * Called once by monitor.close(): release what the plugin opened itself. Given up to 1 s (the plugins side by
   * side); one not settled by then is left behind, logged.
   */
  close?(): void | Promise<void>;
}

/**
 * How long monitor.close() waits for each plugin's close() (all of them side by side): one that has not settled by
 * then is left behind and logged, and close() goes on (outside review 47, RT47-1: a close() that never settled hung
 * monitor.close() and shutdown() for ever, the later plugins and the store never closed, no `close` event).
 */
export const PLUGIN_CLOSE_TIMEOUT_MS = 1000;

/**
 * Calls every plugin's close() once, side by side, each bounded by `limitMs`; an error or a close() still pending at
 * the limit is logged (naming the plugin), never thrown. Settles within `limitMs`.
 */
export async function closePlugins(
  plugins: readonly CollectorPlugin[],
  logger: Logger,
  limitMs = PLUGIN_CLOSE_TIMEOUT_MS,
): Promise<void> {
  await Promise.all(
    plugins.map(async (p) => {
      if (typeof p.close !== 'function') return;
      let timer: NodeJS.Timeout | undefined;
      // Referenced while it waits: an awaited monitor.close() holds the process open until it ends.
      const limit = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), limitMs);
      });
      try {
        const closing = Promise.resolve().then(() => p.close?.());
        if ((await Promise.race([closing, limit])) === TIMED_OUT) {
          logger.warn(
            { plugin: p.name, closeTimeoutMs: limitMs },
            `sysvitals: plugin ${p.name}: close() did not settle within ${limitMs} ms; left behind, monitor.close() goes on`,
          );
        }
      } catch (err) {
        logger.warn(
          { plugin: p.name, err: errorMessage(err) },
          `sysvitals: plugin ${p.name} did not close cleanly`,
        );
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

const TIMED_OUT = Symbol('timed out');

/** A plugin's longest timeoutMs, as a channel's. */
export const MAX_PLUGIN_TIMEOUT_MS = 300_000;

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const KEYS = ['name', 'collect', 'intervalMs', 'timeoutMs', 'status', 'close', 'maxRecordKeys'];
const STATUSES: readonly ComponentStatus[] = ['healthy', 'warning', 'critical', 'unknown'];

function invalidPlugin(message: string): SysvitalsError {
  return new SysvitalsError('ERR_SYSVITALS_INVALID_OPTION', `sysvitals: ${message}`);
}

/** Checks the `collectors` option at setup: coded errors, nothing half-registered. */
export function validatePlugins(plugins: unknown): readonly CollectorPlugin[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins))
    throw invalidPlugin('`collectors` must be an array of { name, collect(ctx) }.');
  const names = new Set<string>();
  for (const [i, p] of plugins.entries()) {
    if (p === null || typeof p !== 'object')
      throw invalidPlugin(`collectors[${i}] must be an object { name, collect(ctx) }.`);
    const unknown = Object.keys(p).find((k) => !KEYS.includes(k));
    if (unknown !== undefined) {
      throw new SysvitalsError(
        'ERR_SYSVITALS_UNKNOWN_OPTION',
        `sysvitals: collectors[${i}] has an unknown property \`${unknown}\`. Known: ${KEYS.join(', ')}.`,
      );
    }
    const { name, collect, intervalMs, timeoutMs, status, close, maxRecordKeys } = p as CollectorPlugin;
    if (typeof name !== 'string' || !NAME.test(name) || name.length > 64) {
      throw invalidPlugin(
        `collectors[${i}].name ${JSON.stringify(name)} must be letters, digits and \`_\` (e.g. \`rabbitmq\`).`,
      );
    }
    // `plugins.__proto__` is no key of an object literal a reader builds (JSON.parse aside): it would set the
    // prototype. Other names (`constructor`, `toString`) are kept in objects without a prototype.
    if (name === '__proto__') throw invalidPlugin(`collectors[${i}].name \`__proto__\` is reserved.`);
    if (names.has(name)) throw invalidPlugin(`two collectors are named \`${name}\`; names must be unique.`);
    names.add(name);
    if (typeof collect !== 'function')
      throw invalidPlugin(`collectors \`${name}\`: collect must be a function.`);
    // Bounded (outside review 47, RT47-4): above 2^31-1 ms Node fires a timer after 1 ms, so every collect() "timed
    // out" at once; timeoutMs as a channel's (RT47-3: a collect() no longer holds the sample, but 5 min is plenty).
    // Whole ms as the monitor's other ms options (outside review A, RTA-4: 0.5 was taken, every collect() cut off).
    for (const [key, v, max] of [
      ['intervalMs', intervalMs, MAX_TIMER_MS],
      ['timeoutMs', timeoutMs, MAX_PLUGIN_TIMEOUT_MS],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= max)) {
        throw invalidPlugin(
          `collectors \`${name}\`: ${key} must be a whole number of milliseconds from 1 to ${max} (got ${String(v)}).`,
        );
      }
    }
    if (status !== undefined && typeof status !== 'function') {
      throw invalidPlugin(
        `collectors \`${name}\`: status must be a function (group) => 'healthy' | 'warning' | 'critical'.`,
      );
    }
    if (close !== undefined && typeof close !== 'function')
      throw invalidPlugin(`collectors \`${name}\`: close must be a function.`);
    if (maxRecordKeys !== undefined && !(Number.isSafeInteger(maxRecordKeys) && maxRecordKeys >= 1))
      throw invalidPlugin(`collectors \`${name}\`: maxRecordKeys must be a whole number, at least 1.`);
  }
  return Object.freeze([...(plugins as CollectorPlugin[])]);
}

/** Aborts every collect() under way (PluginRunner.close), then calls every plugin's close() once (closePlugins). */
export function closeRunners(runners: readonly PluginRunner[], logger: Logger): Promise<void> {
  for (const runner of runners) runner.close();
  return closePlugins(
    runners.map((r) => r.plugin),
    logger,
  );
}

/** What a closed monitor shows of a plugin (docs/plugins.md "close()"): no collect() is started after close(). */
function closedGroup(): PluginGroup {
  return { status: 'unknown', error: 'monitor closed: collect() not started' };
}

/**
 * The last sample's plugin groups as a read shows them: a closed runner's is closedGroup()'s, not what the last sample
 * saw (outside review C, RTC-7: a read after close() showed `first collect() under way … joins the next sample`).
 */
export function pluginGroupsNow(
  runners: readonly PluginRunner[],
  groups: Record<string, PluginGroup>,
): Record<string, PluginGroup> {
  for (const r of runners) if (r.isClosed) groups[r.plugin.name] = closedGroup();
  return groups;
}

/**
 * Runs one plugin: no overlapping collects, a deadline, the last result reused within intervalMs. A
 * collect() that outlives its deadline is not called again until it settles (a client that ignores
 * the signal would otherwise pile up one hung call per sample against a dependency already not
 * answering); meanwhile each sample reports it `unknown`.
 */
export class PluginRunner {
  private last: PluginGroup | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** The last collect()'s outcome, its result or its failure: what a sample shows while the next is under way. */
  private latest: PluginGroup | undefined;
  private running: Promise<PluginGroup> | undefined;
  /** When the collect() that has not settled yet was started (ctx.now); undefined when none is pending. */
  private pendingSince: number | undefined;
  /** Record paths already warned about (one warning each). */
  private readonly warned = new Set<string>();
  /** Cuts off the collect() under way (aborts its signal, clears its deadline); undefined when none runs. */
  private cutOff: ((reason: Error) => void) | undefined;
  private closed = false;

  constructor(
    readonly plugin: CollectorPlugin,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * The group a sample shows, within `waitMs` (the built-in groups' groupTimeoutMs): the collect()'s outcome if it
   * settles by then, else the last one's (before any, `unknown`, `first collect() under way`, see `awaitingFirst`),
   * and the collect() goes on up to its own timeoutMs, its outcome shown from the next sample. A slow plugin never
   * holds the sample, so the built-in groups and the alert rules keep their interval (outside review 47, RT47-3: a
   * 12 s collect() held every sample that started one for 12 s). Never rejects.
   */
  sample(now: number, waitMs: number): Promise<PluginGroup> {
    const run = this.run(now);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<PluginGroup>((resolve) => {
      timer = setTimeout(() => resolve(this.latest ?? this.firstUnderWay()), waitMs);
    });
    return Promise.race([run, waited]).finally(() => clearTimeout(timer));
  }

  /** True once close() ran: its group is CLOSED_GROUP's, no outage (outside review C, RTC-7). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the first collect() is under way with no outcome yet (not an outage: nothing failed). */
  get awaitingFirst(): boolean {
    return this.latest === undefined && this.pendingSince !== undefined;
  }

  private firstUnderWay(): PluginGroup {
    const since =
      this.pendingSince === undefined ? '' : ` (started ${new Date(this.pendingSince).toISOString()})`;
    return {
      status: 'unknown',
      error: `first collect() under way${since}, not answered within the sample's groupTimeoutMs; its result joins the next sample`,
    };
  }

  /**
   * Stops the runner for monitor.close() (outside review A, RTA-3): the collect() under way has its ctx.signal
   * aborted (reason: ERR_SYSVITALS_CLOSED) and its deadline timer cleared, so nothing of it holds the process open
   * (a 30 s timeoutMs held it 30 s after close() returned); no collect() is started afterwards. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cutOff?.(
      new SysvitalsError(
        'ERR_SYSVITALS_CLOSED',
        `sysvitals: monitor closed; plugin ${this.plugin.name}'s collect() aborted`,
      ),
    );
  }

  /** Settles within the plugin's timeout (at once once closed); never rejects. */
  run(now: number): Promise<PluginGroup> {
    if (this.closed) return Promise.resolve(closedGroup());
    const interval = this.plugin.intervalMs ?? 0;
    if (this.last && now - this.lastAt < interval) return Promise.resolve(this.last);
    if (this.running) return this.running;
    if (this.pendingSince !== undefined) {
      return Promise.resolve({
        status: 'unknown',
        error:
          `no answer within ${this.timeoutMs} ms: the collect() started at ` +
          `${new Date(this.pendingSince).toISOString()} has not settled; not started again until it does`,
      });
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new TimeoutError(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.cutOff = (reason) => {
        clearTimeout(timer);
        controller.abort(reason);
        reject(reason);
      };
    });
    const ctx: PluginContext = { signal: controller.signal, now, logger: this.logger };
    this.pendingSince = now;
    const attempt = Promise.resolve()
      .then(() => this.plugin.collect(ctx))
      .finally(() => {
        this.pendingSince = undefined;
      })
      .then((result) => this.accept(result));
    attempt.catch(() => {}); // a late rejection after the deadline is not unhandled
    this.running = Promise.race([attempt, deadline])
      .then(
        (group) => {
          this.last = group;
          this.lastAt = now;
          return group;
        },
        (err: unknown): PluginGroup => ({ status: 'unknown', error: errorMessage(err) }),
      )
      .then((group) => {
        this.latest = group;
        return group;
      })
      .finally(() => {
        clearTimeout(timer);
        this.cutOff = undefined;
        this.running = undefined;
      });
    return this.running;
  }

  private accept(result: unknown): PluginGroup {
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new Error(
        `collect() returned ${Array.isArray(result) ? 'an array' : String(result)}, not an object`,
      );
    }
    const fields = { ...(result as Record<string, unknown>) };
    delete fields.error;
    let status: ComponentStatus = 'healthy';
    const rule = this.plugin.status;
    if (rule) {
      const s = rule(fields);
      // An async status(): its rejection handled (unhandled, it would end the host: outside review 36, RT36-2).
      if (catchRejection(s, () => {}))
        throw new Error('status() returned a promise: it must return the status at once');
      if (!STATUSES.includes(s)) throw new Error(`status() returned ${JSON.stringify(s)}`);
      status = s;
    }
    // The status rule sees every key; the group (JSON, history, Prometheus, rules) its bounded records.
    const dropped = new Map<string, number>();
    const max = this.plugin.maxRecordKeys ?? DEFAULT_MAX_RECORD_KEYS;
    const group = boundRecords(fields, max, dropped);
    const unserved = jsonProblem(group);
    if (unserved !== undefined)
      throw new Error(`collect() returned a figure that cannot be served: ${unserved}`);
    if (dropped.size === 0) return { ...group, status };
    for (const [path, n] of dropped) {
      if (this.warned.has(path)) continue;
      this.warned.add(path);
      this.logger.warn(
        { plugin: this.plugin.name, record: path, dropped_keys: n, max_record_keys: max },
        `sysvitals: collector plugin ${this.plugin.name}: record ${path} has more than ${max} keys ` +
          `(maxRecordKeys); kept the first ${max}, left out ${n}, counted in plugins.${this.plugin.name}.dropped_keys`,
      );
    }
    // The plugin's own `dropped_keys` stays while no record is cut (outside review 28, RT28-4: it was deleted, and a
    // rule on it never fired); a cut replaces it, said once.
    if ('dropped_keys' in fields && !this.warned.has('\u0000own')) {
      this.warned.add('\u0000own');
      this.logger.warn(
        { plugin: this.plugin.name },
        `sysvitals: collector plugin ${this.plugin.name}: its own figure dropped_keys is replaced by the count of record keys left out`,
      );
    }
    const counts: Record<string, number> = Object.create(null);
    for (const [path, n] of dropped) counts[path] = n;
    return { ...group, dropped_keys: counts, status };
  }
}
