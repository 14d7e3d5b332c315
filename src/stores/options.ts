// Option checks shared by the stores: bad numbers fail at setup with the fix in the message (unknown keys: options/option-keys.ts).

import { invalidOption } from '../errors.js';
import { MAX_TIMER_MS } from '../options/duration.js';

/** A positive number (integer when asked), or the default when undefined. */
export function positive(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw invalidOption(
      `${owner}: \`${name}\` must be a positive ${integer ? 'integer' : 'number'} (got ${String(value)}).`,
    );
  }
  return value;
}

/**
 * A duration in whole milliseconds from 1 to `max`, or the default when undefined: as the monitor's own ms options
 * (outside review A, RTA-4: a store's `resolutionMs`, `retentionMs` and `commandTimeoutMs` took fractions).
 */
export function wholeMs(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  max = MAX_TIMER_MS,
): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max)) {
    throw invalidOption(
      `${owner}: \`${name}\` must be a whole number of milliseconds from 1 to ${max} (got ${String(value)}).`,
    );
  }
  return value as number;
}

/** The methods every MetricsStore implements (src/stores/store.ts); the others are optional. */
const STORE_METHODS = Object.freeze([
  'appendPoint',
  'readPoints',
  'readAllInstances',
  'appendAlert',
  'readAlerts',
  'close',
] as const);

/** The optional methods: when present, they must be functions too. */
const OPTIONAL_STORE_METHODS = Object.freeze([
  'init',
  'saveState',
  'loadState',
  'health',
  'probe',
  'beginClose',
] as const);

/**
 * The monitor's `store` option: undefined (memory) or an object implementing MetricsStore. A URL, `{ url }` or
 * `{}` would otherwise be taken and lose every history point (outside review 33, RT33-3). The value itself is not
 * echoed: a Redis URL may carry a password.
 */
export function checkStoreOption(owner: string, store: unknown): void {
  if (store === undefined) return;
  const methods = `must implement ${STORE_METHODS.join(', ')} (a MetricsStore: MemoryStore, RedisStore or your own)`;
  const hint = 'for Redis use new RedisStore({ url })';
  if (store === null || typeof store !== 'object' || Array.isArray(store)) {
    const got = store === null ? 'null' : Array.isArray(store) ? 'an array' : `a ${typeof store}`;
    throw invalidOption(`${owner}: \`store\` ${methods}; got ${got}: ${hint}.`);
  }
  const s = store as Record<string, unknown>;
  const missing = STORE_METHODS.filter((m) => typeof s[m] !== 'function');
  const bad = OPTIONAL_STORE_METHODS.filter((m) => s[m] !== undefined && typeof s[m] !== 'function');
  if (missing.length === 0 && bad.length === 0) return;
  const what = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    bad.length > 0 ? `${bad.join(', ')} given but not a function` : '',
  ]
    .filter(Boolean)
    .join('; ');
  throw invalidOption(`${owner}: \`store\` ${methods}; this object has ${what}: ${hint}.`);
}
