// The equal-phase rule of bench/instructions.ts: every server of a run (bare, sysvitals, the floor, an earlier
// build) runs the same number of phases and is compared on the same phase indices. Before it, each server stopped
// on its own when its last two phases were within 3 %: on a quiet machine sysvitals stopped after 3–4 phases while
// bare ran 5, and the counts still fell phase by phase (Fastify sysvitals 84.7k → 76.9k → 75.2k), so the ratio
// compared a later bare phase with an earlier sysvitals one (RESULTS "instructions with the timers at the native
// rate", caveat; issue 18). Now the servers wait for each other after each phase, and all stop together: when every
// one has settled on the same pair of phases, at a fixed phase count (--phases), or at the maximum.

/** What one server has counted so far: raw instructions per request per phase, and which phases held a minute boundary. */
export interface PhaseCounts {
  raw: readonly number[];
  crossed: readonly boolean[];
}

export interface EqualPhaseRule {
  /** No server is settled before this many phases (at least 2). */
  minPhases: number;
  /** All stop at this many phases, settled or not. */
  maxPhases: number;
  /** The last two common clean phases agree within this (|a − b| / mean), and no earlier one is lower by more. */
  tolerance: number;
  /** A fixed phase count: all run exactly this many (settling is judged at the end, not used to stop). */
  fixed?: number;
}

export interface PhaseDecision {
  /** Whether every server stops now (all of them: they run the same number of phases). */
  stop: boolean;
  /** The two phase indices compared and quoted, the same for every server: the last two no server's minute crossed. */
  pair: [number, number] | undefined;
  /** Per server: settled on that pair (at least minPhases, the pair within the tolerance, no earlier common clean phase lower by more). */
  settled: boolean[];
}

const spreadOf = (a: number, b: number): number => Math.abs(a - b) / ((a + b) / 2);

/** The indices (below `length`) that no server's phase crossed a minute boundary in. */
export function commonClean(servers: readonly PhaseCounts[], length: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) if (servers.every((s) => s.crossed[i] === false)) out.push(i);
  return out;
}

/** Whether one server's counts are settled on `pair`, given the common clean indices. */
export function settledOn(
  raw: readonly number[],
  pair: [number, number],
  clean: readonly number[],
  rule: EqualPhaseRule,
): boolean {
  if (raw.length < Math.max(2, rule.minPhases)) return false;
  const a = raw[pair[0]] as number;
  const b = raw[pair[1]] as number;
  const mean = (a + b) / 2;
  const earlier = clean.filter((i) => i < pair[0]).map((i) => raw[i] as number);
  // An earlier clean phase below the pair by more than the tolerance: the pair may sit on a step, not the floor.
  return spreadOf(a, b) <= rule.tolerance && !earlier.some((x) => x < mean * (1 - rule.tolerance));
}

/**
 * The decision after every server has counted the same number of phases (it throws otherwise): stop or go on, and
 * the pair of phase indices every server is quoted on.
 */
export function decide(servers: readonly PhaseCounts[], rule: EqualPhaseRule): PhaseDecision {
  const length = servers[0]?.raw.length ?? 0;
  for (const s of servers) {
    if (s.raw.length !== length || s.crossed.length !== length) {
      throw new Error(`equal phases: servers at ${servers.map((x) => x.raw.length).join(', ')} phases`);
    }
  }
  const clean = commonClean(servers, length);
  const pair: [number, number] | undefined =
    clean.length >= 2 ? [clean.at(-2) as number, clean.at(-1) as number] : undefined;
  const settled = servers.map((s) => (pair === undefined ? false : settledOn(s.raw, pair, clean, rule)));
  const cap = rule.fixed ?? rule.maxPhases;
  const stop = length >= cap || (rule.fixed === undefined && settled.every(Boolean));
  return { stop, pair, settled };
}

/**
 * Lock-step for servers measured concurrently: each calls `arrive` after each phase with its counts so far, and
 * waits until every server has counted that phase; all then get the same decision.
 */
export class PhaseGate {
  readonly #counts: (PhaseCounts | undefined)[];
  readonly #rule: EqualPhaseRule;
  #waiting: ((d: PhaseDecision) => void)[] = [];

  constructor(servers: number, rule: EqualPhaseRule) {
    this.#counts = Array.from({ length: servers }, () => undefined);
    this.#rule = rule;
  }

  arrive(server: number, counts: PhaseCounts): Promise<PhaseDecision> {
    if (this.#counts[server] !== undefined) throw new Error(`equal phases: server ${server} arrived twice`);
    this.#counts[server] = { raw: [...counts.raw], crossed: [...counts.crossed] };
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      if (!this.#counts.includes(undefined)) {
        const d = decide(this.#counts as PhaseCounts[], this.#rule);
        const waiting = this.#waiting;
        for (let i = 0; i < this.#counts.length; i++) this.#counts[i] = undefined;
        this.#waiting = [];
        for (const w of waiting) w(d);
      }
    });
  }
}
