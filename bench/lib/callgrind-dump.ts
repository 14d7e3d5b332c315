// Reading a callgrind dump (the format of valgrind's callgrind_format docs) for bench/instructions.ts: the
// instructions spent under one function, inclusive, and how often it was called, from its callers' `calls=` lines.
// Timers fire by wall time, so under callgrind (~50× slower) they fire ~50× more often per request than natively:
// `node::Environment::RunTimers` (libuv's timer callback, which runs Node's processTimers/listOnTimeout and every
// JavaScript timer callback under it) gives that work per dump, and the native firing rate scales it back.

/** Node's C++ entry of every JavaScript timer callback (one call per libuv timer expiry). */
export const RUN_TIMERS = 'node::Environment::RunTimers';

export interface Inclusive {
  /** Calls of the function (sum of its callers' `calls=` counts, calls from itself left out). */
  calls: number;
  /** Instructions (the first event) under it, inclusive: the cost lines of those calls. */
  instructions: number;
  /** The dump's total (its `summary:` or `totals:` line), NaN without one. */
  total: number;
}

/**
 * The inclusive cost of the functions whose (demangled) name contains `name`, from the `calls=` lines of the
 * functions that call it: callgrind writes each call's inclusive cost on the line after `calls=`. Calls between two
 * matching functions are left out (a recursion would count twice). Name compression (`fn=(12) name`, then
 * `fn=(12)`) is shared by fn= and cfn=; positions are skipped by the count the `positions:` line gives.
 */
export function inclusiveOf(text: string, name: string): Inclusive {
  const names = new Map<string, string>();
  let positions = 1;
  let total = Number.NaN;
  let fn = '';
  let cfn = '';
  let pendingCalls = -1;
  let calls = 0;
  let instructions = 0;
  const resolve = (spec: string): string => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (m === null) return spec;
    const id = m[1] as string;
    if (m[2] !== undefined) {
      names.set(id, m[2]);
      return m[2];
    }
    return names.get(id) ?? '';
  };
  for (const line of text.split('\n')) {
    if (pendingCalls >= 0) {
      // the call's cost line: positions, then the events (Ir first)
      const fields = line.trim().split(/\s+/);
      const ir = Number(fields[positions] ?? 0);
      if (cfn.includes(name) && !fn.includes(name)) {
        calls += pendingCalls;
        instructions += ir;
      }
      pendingCalls = -1;
      continue;
    }
    if (line.startsWith('fn=')) {
      fn = resolve(line.slice(3));
      cfn = '';
    } else if (line.startsWith('cfn=')) cfn = resolve(line.slice(4));
    else if (line.startsWith('calls=')) pendingCalls = Number(line.slice(6).trim().split(/\s+/)[0]);
    else if (line.startsWith('positions:')) positions = line.slice(10).trim().split(/\s+/).length;
    else {
      const t = /^(?:summary|totals): (\d+)/.exec(line);
      if (t && Number.isNaN(total)) total = Number(t[1]);
    }
  }
  return { calls, instructions, total };
}

/**
 * Instructions per request with the timers' work at the native firing rate instead of callgrind's: the raw count,
 * less the timer work measured in the phase, plus the measured cost of one firing × the native firings per request.
 */
export function atNativeTimerRate(
  rawPerRequest: number,
  requests: number,
  timerInstructions: number,
  costPerFiring: number,
  nativeFiringsPerRequest: number,
): number {
  return rawPerRequest - timerInstructions / requests + costPerFiring * nativeFiringsPerRequest;
}

/**
 * Timer firings per request for a server saturating its core: the firings per wall second counted under traffic ×
 * the server's CPU seconds per request. Timers fire per wall second, so at the pace of a loaded machine (or a slow
 * client) a request carries more of them; a server under full load, which the ≤ 1.03× target is about, carries this.
 */
export function saturatedPerRequest(
  firings: number,
  wallSeconds: number,
  cpuSeconds: number,
  requests: number,
): number {
  return wallSeconds > 0 && requests > 0 ? (firings / wallSeconds) * (cpuSeconds / requests) : 0;
}

/** A JIT code range of node's --perf-basic-prof map (/tmp/perf-<pid>.map): `start size name`, hex. */
export interface JitRange {
  start: number;
  end: number;
  name: string;
}

/** The map's ranges whose name passes `keep` (e.g. the JavaScript frames of one function, any tier). */
export function jitRanges(mapText: string, keep: (name: string) => boolean): JitRange[] {
  const out: JitRange[] = [];
  for (const line of mapText.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/.exec(line);
    if (m === null || !keep(m[3] as string)) continue;
    const start = Number.parseInt(m[1] as string, 16);
    out.push({ start, end: start + Number.parseInt(m[2] as string, 16), name: m[3] as string });
  }
  return out;
}

/**
 * The dump with every anonymous JIT frame (`fn=(id) 0x…`, `cfn=(id) 0x…`) that falls in one of `ranges` renamed to
 * `token`, so that inclusiveOf(text, token) counts that JavaScript function's frames (bench/callgrind-jit-names.ts
 * names them all, for reading; this names only the ones counted).
 */
export function renameJit(text: string, ranges: readonly JitRange[], token: string): string {
  if (ranges.length === 0) return text;
  return text.replace(/^(c?fn=\(\d+\)) (0x[0-9a-f]+)$/gm, (whole, head: string, hex: string) => {
    const at = Number.parseInt(hex, 16);
    return ranges.some((r) => at >= r.start && at < r.end) ? `${head} ${token}` : whole;
  });
}
