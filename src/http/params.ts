// Strict query-string parsing for the admin API: a bad, unknown or repeated parameter is a 400 that
// names the parameter and what it accepts, never a silent default.

import { suggest } from '../options/option-keys.js';

/** One query parameter: its default, and a parser that returns INVALID for anything it does not accept. */
export interface Param<T> {
  /** Human-readable list of accepted values, used in 400 messages. */
  readonly allowed: string;
  readonly default: T;
  parse(raw: string): T | typeof INVALID;
}

export const INVALID: unique symbol = Symbol('invalid');

export type QuerySpec = Readonly<Record<string, Param<unknown>>>;
export type ParsedQuery<Q extends QuerySpec> = {
  -readonly [K in keyof Q]: Q[K] extends Param<infer T> ? T : never;
};

export type QueryResult<Q extends QuerySpec> =
  | { ok: true; query: ParsedQuery<Q> }
  | { ok: false; parameter: string; message: string };

/** `true|false|1|0` (case-insensitive for true/false, as Python and Java clients send `True`). */
export function booleanParam(defaultValue: boolean): Param<boolean> {
  return {
    allowed: 'true, false, 1 or 0',
    default: defaultValue,
    parse(raw) {
      const v = raw.toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      return INVALID;
    },
  };
}

/** A base-10 integer within [min, max]: no sign, fraction, exponent or whitespace. */
export function integerParam(min: number, max: number, defaultValue: number): Param<number> {
  const maxDigits = String(max).length + 2; // allows a few leading zeros, refuses absurdly long input
  return {
    allowed: `an integer from ${min} to ${max}`,
    default: defaultValue,
    parse(raw) {
      if (raw.length === 0 || raw.length > maxDigits || !/^[0-9]+$/.test(raw)) return INVALID;
      const n = Number(raw);
      return n >= min && n <= max ? n : INVALID;
    },
  };
}

export function enumParam<const V extends string>(values: readonly V[], defaultValue: V): Param<V> {
  return {
    allowed: values.join(', '),
    default: defaultValue,
    parse(raw) {
      return (values as readonly string[]).includes(raw) ? (raw as V) : INVALID;
    },
  };
}

/** An optional identifier: printable ASCII without spaces, up to 256 characters (instance ids, hostnames). */
export function identifierParam(): Param<string | undefined> {
  return {
    allowed: "'all' or an instance id (printable ASCII without spaces, at most 256 characters)",
    default: undefined,
    parse(raw) {
      return /^[\x21-\x7e]{1,256}$/.test(raw) ? raw : INVALID;
    },
  };
}

/** Parses `search` (with or without the leading `?`) against `spec`. `extra` names are accepted and left to the caller. */
export function parseQuery<Q extends QuerySpec>(
  search: string | URLSearchParams,
  spec: Q,
  extra: readonly string[] = [],
): QueryResult<Q> {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const query = {} as Record<string, unknown>;
  for (const name of Object.keys(spec)) query[name] = (spec[name] as Param<unknown>).default;
  const seen = new Set<string>();
  for (const [name, raw] of params) {
    const known = Object.hasOwn(spec, name);
    if (!known && !extra.includes(name)) {
      const names = Object.keys(spec);
      const hint = suggest(name, names, { maxInputLength: 40 });
      return {
        ok: false,
        parameter: name,
        message:
          `unknown parameter ${quote(name)}; ` +
          (names.length === 0 ? 'this endpoint takes no parameters' : `allowed: ${names.join(', ')}`) +
          (hint ? `. Did you mean ${quote(hint)}?` : ''),
      };
    }
    if (seen.has(name)) {
      return {
        ok: false,
        parameter: name,
        message: `parameter ${quote(name)} is given more than once; give it once`,
      };
    }
    seen.add(name);
    if (!known) continue;
    const param = spec[name] as Param<unknown>;
    const value = param.parse(raw);
    if (value === INVALID) {
      return {
        ok: false,
        parameter: name,
        message: `invalid ${quote(name)}: expected ${param.allowed}, got ${quote(raw)}`,
      };
    }
    query[name] = value;
  }
  return { ok: true, query: query as ParsedQuery<Q> };
}

/** Quotes user input for an error message: JSON-escaped and cut to a readable length. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
