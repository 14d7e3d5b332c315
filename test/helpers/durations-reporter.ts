// A vitest reporter (.ci/run adds it): each test file's whole time in the run, for test/helpers/file-durations.json
// (scripts/test-durations.ts). The JSON reporter's startTime and endTime span a file's first test's start to its
// last test's end: a file's import, its beforeAll and its afterAll are outside them, and a cluster file's
// `useCluster` (a cluster started in beforeAll) or fleet-week's simulated week (42.8 s of beforeAll, read as 4.4 s)
// were ranked far shorter than the slot they hold, so they started late (CONTRIBUTING, Test time, stop 48).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Where the run's durations go, from the repository root (`DURATIONS_OUT` to change it). */
export const RUN_DURATIONS = '.tmp/file-durations-run.json';

/** Writes `{ "<file>": seconds }`: each file's prepare, import (collect), setup files and run, hooks included. */
export default class DurationsReporter implements Reporter {
  private readonly seconds = new Map<string, number>();
  private root = process.cwd();

  onInit(ctx: { config: { root: string } }): void {
    this.root = ctx.config.root;
  }

  onTestModuleEnd(testModule: TestModule): void {
    const d = testModule.diagnostic();
    const ms = d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
    const file = relative(this.root, testModule.moduleId).split('\\').join('/');
    this.seconds.set(file, Math.round(ms / 100) / 10);
  }

  onTestRunEnd(): void {
    const out = process.env.DURATIONS_OUT ?? RUN_DURATIONS;
    const path = out.startsWith('/') ? out : `${this.root}/${out}`;
    mkdirSync(dirname(path), { recursive: true });
    const rows = [...this.seconds].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    writeFileSync(path, `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
  }
}
