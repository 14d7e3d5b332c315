// Options for the orchestrator features: liveness, readiness and startup rules, graceful shutdown and
// load shedding, parsed once at setup into frozen configs with coded errors.

import { invalidOption } from '../errors.js';
import { checkInteger, rejectUnknownOptions } from '../options/option-keys.js';

/** What the liveness, readiness and startup probes check. */
export interface ProbeRulesOptions {
  /**
   * Liveness fails while the event loop has been blocked longer than this (the longest delay in the
   * last load-watch interval). It never fails on a dependency. @defaultValue 10000
   */
  maxEventLoopBlockMs?: number;
  /** A check of your own for liveness: return false (or throw) when the process cannot serve. Keep it cheap. */
  liveness?: () => boolean | Promise<boolean>;
  /** Dependency probes (`database`, `redis`) whose `critical` status fails readiness. @defaultValue [] */
  required?: readonly string[];
  /** Startup (and readiness) wait for `monitor.ready()` as well as the first sample. @defaultValue false */
  waitForReady?: boolean;
}

/** Graceful shutdown: how long to keep serving after readiness fails, and how long in-flight requests may take. */
export interface ShutdownOptions {
  /**
   * After readiness turns 503, keep accepting this long so the load balancer stops sending new traffic
   * first (Kubernetes removes the endpoint asynchronously). @defaultValue 5000
   */
  delayMs?: number;
  /** In-flight requests get this long to finish once the server stops accepting; then connections are closed. @defaultValue 10000 */
  drainMs?: number;
}

/** Opt-in load shedding: while any limit is exceeded, application requests get 503 with `Retry-After`. */
export interface ShedOptions {
  /** The longest event-loop delay in the last interval (ms). */
  maxEventLoopDelayMs?: number;
  /** Event-loop utilisation over the last interval, 0–1. */
  maxEventLoopUtilization?: number;
  maxHeapUsedBytes?: number;
  maxRssBytes?: number;
  /** `Retry-After` on shed responses (seconds). @defaultValue 10 */
  retryAfterSeconds?: number;
  /** How often load is read (also for the liveness probe's loop check). @defaultValue 500 */
  sampleIntervalMs?: number;
}

export interface ProbeRulesConfig {
  readonly maxEventLoopBlockMs: number;
  readonly liveness: (() => boolean | Promise<boolean>) | undefined;
  readonly required: readonly string[];
  readonly waitForReady: boolean;
}

export interface ShutdownConfig {
  readonly delayMs: number;
  readonly drainMs: number;
}

export interface ShedConfig {
  readonly maxEventLoopDelayMs: number | undefined;
  readonly maxEventLoopUtilization: number | undefined;
  readonly maxHeapUsedBytes: number | undefined;
  readonly maxRssBytes: number | undefined;
  readonly retryAfterSeconds: number;
  readonly sampleIntervalMs: number;
}

const HOUR_MS = 60 * 60 * 1000;
const PROBE_RULE_KEYS = ['maxEventLoopBlockMs', 'liveness', 'required', 'waitForReady'];
const SHUTDOWN_KEYS = ['delayMs', 'drainMs'];
const SHED_KEYS = [
  'maxEventLoopDelayMs',
  'maxEventLoopUtilization',
  'maxHeapUsedBytes',
  'maxRssBytes',
  'retryAfterSeconds',
  'sampleIntervalMs',
];

export const DEFAULT_SHUTDOWN: ShutdownConfig = Object.freeze({ delayMs: 5000, drainMs: 10_000 });

function object(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidOption(`sysvitals: \`${name}\` must be an object.`);
  }
  return value as Record<string, unknown>;
}

export function parseProbeRules(
  options: ProbeRulesOptions | undefined,
  dependencies: readonly string[],
): ProbeRulesConfig {
  const o = object(options ?? {}, 'probeRules');
  rejectUnknownOptions(o, PROBE_RULE_KEYS, 'sysvitals: probeRules');
  checkInteger(o.maxEventLoopBlockMs, 'probeRules.maxEventLoopBlockMs', 1, HOUR_MS);
  if (o.liveness !== undefined && typeof o.liveness !== 'function') {
    throw invalidOption(
      'sysvitals: `probeRules.liveness` must be a function returning a boolean (or a promise of one).',
    );
  }
  if (o.waitForReady !== undefined && typeof o.waitForReady !== 'boolean') {
    throw invalidOption('sysvitals: `probeRules.waitForReady` must be true or false.');
  }
  const required = o.required ?? [];
  if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) {
    throw invalidOption(
      'sysvitals: `probeRules.required` must be an array of dependency names, e.g. ["database"].',
    );
  }
  for (const name of required as string[]) {
    if (!dependencies.includes(name)) {
      throw invalidOption(
        `sysvitals: \`probeRules.required\` names "${name}", which is not a configured dependency probe (configured: ${dependencies.join(', ') || 'none'}; add it under \`probes\`).`,
      );
    }
  }
  return Object.freeze({
    maxEventLoopBlockMs: (o.maxEventLoopBlockMs as number | undefined) ?? 10_000,
    liveness: o.liveness as ProbeRulesConfig['liveness'],
    required: Object.freeze([...(required as string[])]),
    waitForReady: (o.waitForReady as boolean | undefined) ?? false,
  });
}

export function parseShutdown(options: ShutdownOptions | undefined, name = 'shutdown'): ShutdownConfig {
  const o = object(options ?? {}, name);
  rejectUnknownOptions(o, SHUTDOWN_KEYS, `sysvitals: ${name}`);
  checkInteger(o.delayMs, `${name}.delayMs`, 0, HOUR_MS);
  checkInteger(o.drainMs, `${name}.drainMs`, 0, HOUR_MS);
  return Object.freeze({
    delayMs: (o.delayMs as number | undefined) ?? DEFAULT_SHUTDOWN.delayMs,
    drainMs: (o.drainMs as number | undefined) ?? DEFAULT_SHUTDOWN.drainMs,
  });
}

export function parseShed(options: ShedOptions | undefined): ShedConfig | undefined {
  if (options === undefined) return undefined;
  const o = object(options, 'shed');
  rejectUnknownOptions(o, SHED_KEYS, 'sysvitals: shed');
  const positive = (key: string, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
      throw invalidOption(
        `sysvitals: \`shed.${key}\` must be a number above 0${max < 2 ? ` and at most ${max}` : ''} (got ${String(v)}).`,
      );
    }
    return v;
  };
  const config: ShedConfig = {
    maxEventLoopDelayMs: positive('maxEventLoopDelayMs'),
    maxEventLoopUtilization: positive('maxEventLoopUtilization', 1),
    maxHeapUsedBytes: positive('maxHeapUsedBytes'),
    maxRssBytes: positive('maxRssBytes'),
    retryAfterSeconds: 10,
    sampleIntervalMs: 500,
  };
  checkInteger(o.sampleIntervalMs, 'shed.sampleIntervalMs', 10, HOUR_MS);
  if (o.sampleIntervalMs !== undefined)
    (config as { sampleIntervalMs: number }).sampleIntervalMs = o.sampleIntervalMs as number;
  checkInteger(o.retryAfterSeconds, 'shed.retryAfterSeconds', 1, 3600);
  if (o.retryAfterSeconds !== undefined)
    (config as { retryAfterSeconds: number }).retryAfterSeconds = o.retryAfterSeconds as number;
  if (
    config.maxEventLoopDelayMs === undefined &&
    config.maxEventLoopUtilization === undefined &&
    config.maxHeapUsedBytes === undefined &&
    config.maxRssBytes === undefined
  ) {
    throw invalidOption(
      'sysvitals: `shed` needs at least one limit: maxEventLoopDelayMs, maxEventLoopUtilization, maxHeapUsedBytes or maxRssBytes.',
    );
  }
  return Object.freeze(config);
}
