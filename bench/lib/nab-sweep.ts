// A fast in-process replica of NAB's scoring (nab/sweeper.py: per-row sweep scores, the threshold
// sweep and the normalisation) to explore detector variants in seconds. The figures reported in
// bench/RESULTS.md always come from NAB's own scorer (bench/anomaly.ts); this one ranks variants.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One NAB series: its values and the indices of its label windows. */
export interface NabFile {
  category: string;
  file: string;
  lines: string[];
  values: Float64Array;
  /** [first row, last row] of each label window. */
  windows: Array<[number, number]>;
}

/** A NAB cost profile (config/profiles.json). */
export interface NabProfile {
  name: string;
  tp: number;
  fn: number;
  fp: number;
}

export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tp: 1, fn: 1, fp: 0.11 },
  { name: 'reward_low_FP_rate', tp: 1, fn: 1, fp: 0.22 },
  { name: 'reward_low_FN_rate', tp: 1, fn: 2, fp: 0.11 },
];

const key = (t: string) => t.trim().replace(/\.0+$/, '');

/** Reads the corpus (data/ and labels/combined_windows.json) of a NAB folder. */
export function readNab(dir: string, categories: string[]): NabFile[] {
  const labels = JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    Array<[string, string]>
  >;
  const out: NabFile[] = [];
  for (const rel of Object.keys(labels).sort()) {
    const [category, file] = rel.split('/') as [string, string];
    if (!categories.includes(category)) continue;
    const lines = readFileSync(join(dir, 'data', rel), 'utf8')
      .trim()
      .split(/\r?\n|\r/)
      .filter((l) => l !== '')
      .slice(1);
    const values = new Float64Array(lines.length);
    const index = new Map<string, number>();
    lines.forEach((line, i) => {
      const comma = line.indexOf(',');
      values[i] = Number(line.slice(comma + 1));
      index.set(key(line.slice(0, comma)), i);
    });
    const windows = (labels[rel] ?? []).map(([a, b]) => {
      const s = index.get(key(a));
      const e = index.get(key(b));
      if (s === undefined || e === undefined) throw new Error(`${rel}: window ${a}..${b} not on a row`);
      return [s, e] as [number, number];
    });
    out.push({ category, file, lines, values, windows });
  }
  return out;
}

const scaledSigmoid = (x: number) => (x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1);

interface Row {
  score: number;
  sweep: number;
  window: number; // -1: outside every window
}

/** The rows NAB sweeps for one profile (probationary rows left out), as sweeper.calcSweepScore. */
function rowsOf(files: NabFile[], scores: Float64Array[], p: NabProfile, windowBase: number[]): Row[] {
  const rows: Row[] = [];
  const maxTP = scaledSigmoid(-1);
  files.forEach((f, fi) => {
    const n = f.values.length;
    const probation = Math.min(Math.floor(0.15 * n), 0.15 * 5000);
    const s = scores[fi] as Float64Array;
    let w = 0;
    let cur = -1;
    let prevRight = -1;
    let prevWidth = 0;
    for (let i = 0; i < n; i++) {
      if (cur < 0 && w < f.windows.length && (f.windows[w] as [number, number])[0] === i) cur = w++;
      let sweep: number;
      if (cur >= 0) {
        const [a, b] = f.windows[cur] as [number, number];
        sweep = (scaledSigmoid(-(b - i + 1) / (b - a + 1)) * p.tp) / maxTP;
      } else {
        const u = prevRight < 0 ? -1 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
        sweep = u * p.fp;
      }
      if (i >= probation) {
        rows.push({
          score: Math.round((s[i] as number) * 1e6) / 1e6,
          sweep,
          window: cur >= 0 ? (windowBase[fi] as number) + cur : -1,
        });
      }
      if (cur >= 0 && (f.windows[cur] as [number, number])[1] === i) {
        prevRight = i;
        const [a, b] = f.windows[cur] as [number, number];
        prevWidth = b - a + 1;
        cur = -1;
      }
    }
  });
  return rows;
}

/** NAB's optimised, normalised score per profile (null = every window missed, perfect = all hit). */
export function nabScore(
  files: NabFile[],
  scores: Float64Array[],
): Record<string, { score: number; threshold: number; raw: number }> {
  const windowBase: number[] = [];
  let total = 0;
  for (const f of files) {
    windowBase.push(total);
    total += f.windows.length;
  }
  const out: Record<string, { score: number; threshold: number; raw: number }> = {};
  for (const p of NAB_PROFILES) {
    const rows = rowsOf(files, scores, p, windowBase);
    rows.sort((a, b) => b.score - a.score);
    const best = new Float64Array(total);
    const counted = new Uint8Array(total);
    let fnPart = 0;
    for (const r of rows)
      if (r.window >= 0 && !counted[r.window]) {
        counted[r.window] = 1;
        best[r.window] = -p.fn;
        fnPart -= p.fn;
      }
    let windowSum = fnPart;
    let fpSum = 0;
    let bestScore = windowSum + fpSum;
    let bestThreshold = 1.1;
    let curThreshold = 1.1;
    for (const r of rows) {
      if (r.score !== curThreshold) {
        const sc = windowSum + fpSum;
        if (sc > bestScore) {
          bestScore = sc;
          bestThreshold = curThreshold;
        }
        curThreshold = r.score;
      }
      if (r.window < 0) fpSum += r.sweep;
      else if (r.sweep > (best[r.window] as number)) {
        windowSum += r.sweep - (best[r.window] as number);
        best[r.window] = r.sweep;
      }
    }
    const last = windowSum + fpSum;
    if (last > bestScore) {
      bestScore = last;
      bestThreshold = curThreshold;
    }
    // The null detector misses every window (base); perfect hits every window at its start.
    const base = -p.fn * total;
    out[p.name] = {
      score: (100 * (bestScore - base)) / (p.tp * total - base),
      threshold: bestThreshold,
      raw: bestScore,
    };
  }
  return out;
}

/** Per file at one threshold (standard profile): windows hit, windows missed, false positives. */
export function nabBreakdown(
  files: NabFile[],
  scores: Float64Array[],
  threshold: number,
): Array<{ file: string; hit: number; missed: number; fp: number }> {
  return files.map((f, fi) => {
    const n = f.values.length;
    const probation = Math.min(Math.floor(0.15 * n), 750);
    const s = scores[fi] as Float64Array;
    let hit = 0;
    let fp = 0;
    const inWin = new Int32Array(n).fill(-1);
    f.windows.forEach(([a, b], w) => {
      for (let i = a; i <= b; i++) inWin[i] = w;
    });
    const seen = new Set<number>();
    for (let i = probation; i < n; i++) {
      if (Math.round((s[i] as number) * 1e6) / 1e6 < threshold) continue;
      const w = inWin[i] as number;
      if (w < 0) fp++;
      else if (!seen.has(w)) {
        seen.add(w);
        hit++;
      }
    }
    return { file: `${f.category}/${f.file}`, hit, missed: f.windows.length - hit, fp };
  });
}
