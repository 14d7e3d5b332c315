// Property tests, reproducible: fixed seeds in `npm test` and CI, new seeds under `npm run fuzz`, and every
// seed that ever failed replayed first, from test/property-seeds.jsonl (one JSON object a line).

import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';

/** Where failing seeds are kept: `{ "test": "<full test name>", "seed": n, "numRuns": n, "found": "<ISO date>" }`. */
export const SEEDS_FILE = fileURLToPath(new URL('../property-seeds.jsonl', import.meta.url));

/** `npm run fuzz` sets this: random seeds, more runs, failures appended to SEEDS_FILE. */
const FUZZING = process.env.SYSVITALS_FUZZ === '1';

export interface PropertyOptions {
  /** Runs with the fixed seed (`npm test`, CI). */
  numRuns: number;
  /** Runs per property when fuzzing. @defaultValue 10 × numRuns, or SYSVITALS_FUZZ_RUNS */
  fuzzRuns?: number;
}

interface KeptSeed {
  test: string;
  seed: number;
  numRuns: number;
}

/** FNV-1a of the test's name: each property has its own fixed seed, stable across runs and machines. */
export function fixedSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

function keptSeeds(name: string): KeptSeed[] {
  let text = '';
  try {
    text = readFileSync(SEEDS_FILE, 'utf8');
  } catch {
    return [];
  }
  const out: KeptSeed[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const kept = JSON.parse(line) as KeptSeed;
    if (kept.test === name) out.push(kept);
  }
  return out;
}

/** The run count and seed of the main run, for tests that pass them on (e.g. to a workload generator). */
export function propertyParameters(options: PropertyOptions): { numRuns: number; seed?: number } {
  const name = expect.getState().currentTestName ?? 'unnamed';
  if (process.env.SYSVITALS_FUZZ_SEED !== undefined) {
    return { numRuns: options.numRuns, seed: Number(process.env.SYSVITALS_FUZZ_SEED) };
  }
  if (FUZZING) {
    const runs = Number(process.env.SYSVITALS_FUZZ_RUNS ?? options.fuzzRuns ?? options.numRuns * 10);
    return { numRuns: runs, seed: (Math.random() * 2 ** 32) | 0 };
  }
  return { numRuns: options.numRuns, seed: fixedSeed(name) };
}

/**
 * fc.assert with the project's seeds: first every kept seed of this test (regression cases), then one run
 * with the fixed seed (or, under `npm run fuzz`, a random one, whose failure is appended to SEEDS_FILE).
 * SYSVITALS_FUZZ_SEED=<n> replays one seed.
 */
export async function assertProperty<T>(
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  options: PropertyOptions,
): Promise<void> {
  const name = expect.getState().currentTestName ?? 'unnamed';
  for (const kept of keptSeeds(name)) {
    await runOnce(property, { seed: kept.seed, numRuns: kept.numRuns }, name, false);
  }
  const params = propertyParameters(options);
  await runOnce(property, { seed: params.seed, numRuns: params.numRuns }, name, FUZZING);
}

async function runOnce<T>(
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  params: { seed?: number; numRuns: number },
  name: string,
  keep: boolean,
): Promise<void> {
  const details = await fc.check(property as fc.IRawProperty<T>, params);
  if (!details.failed) return;
  if (keep) {
    const line = { test: name, seed: details.seed, numRuns: params.numRuns, found: new Date().toISOString() };
    appendFileSync(SEEDS_FILE, `${JSON.stringify(line)}\n`);
  }
  throw new Error(fc.defaultReportMessage(details) ?? `property failed with seed ${details.seed}`);
}
