// Seeded randomness for tests: the same sequence on every run and machine (mulberry32), and normal
// deviates from it (Box–Muller).

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate drawing two uniforms from `u` (Box–Muller). */
export function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A seeded generator of uniforms `u` and normal deviates `n`, sharing one stream. */
export function prng(seed: number): { u: () => number; n: () => number } {
  const u = rng(seed);
  return { u, n: () => normal(u) };
}
