// A vitest sequencer (vitest.config.ts): each project's files start longest first, by the durations of a past run
// (test/helpers/file-durations.json), so a slow file is not left to start among the last and run alone at the end.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Each file's seconds in a clean-clone CI run (`npx tsx scripts/test-durations.ts .tmp/vitest.json` writes them),
 * by path from the repository root. A file not listed (a new one) starts before the listed ones, larger first.
 */
export const DURATIONS_FILE = new URL('./file-durations.json', import.meta.url);

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/**
 * vitest's own order is: projects by name, then (with no results cache, as in a clean clone) larger files first.
 * A small file that waits a long time then starts last and is the run's tail: four files at a time, and at the
 * end one. This keeps the projects apart and in vitest's order (a `shared` fork is reused only while the next file
 * is of its project) and within each starts the files longest first, by the committed list (the same order in a
 * clean clone and a local rerun, whatever vitest's results cache holds).
 */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const listed = readDurations();
    const root = this.ctx.config.root;
    const cache = this.ctx.cache;
    const known = (spec: TestSpecification): number | undefined => {
      const seconds = listed[relative(root, spec.moduleId).split('\\').join('/')];
      return seconds === undefined ? undefined : seconds * 1000;
    };
    const size = (spec: TestSpecification): number =>
      cache.getFileStats(`${spec.project.name}:${relative(root, spec.moduleId)}`)?.size ?? 0;
    return [...files].sort((a, b) => {
      if (a.project.name !== b.project.name) return a.project.name < b.project.name ? -1 : 1;
      const da = known(a);
      const db = known(b);
      if (da === undefined || db === undefined) {
        if (da !== undefined) return 1;
        if (db !== undefined) return -1;
        return size(b) - size(a);
      }
      return db - da;
    });
  }
}
