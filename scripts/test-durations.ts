// Writes test/helpers/file-durations.json (each test file's seconds, one decimal) for the longest-first sequencer
// (test/helpers/longest-first.ts), from a whole clean-clone CI run's durations (.ci/run writes both):
//
//   npx tsx scripts/test-durations.ts .tmp/file-durations-run.json
//
// That file is test/helpers/durations-reporter.ts's: each file's whole time, import and hooks included. A vitest
// JSON report (.tmp/vitest.json) is read too, but its times span only a file's first test's start to its last
// test's end (no import, no beforeAll or afterAll: a cluster file's useCluster or fleet-week's simulated week
// left out). The durations are a run's own (what the machine's load made them): only their order is used.

import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = new URL('../test/helpers/file-durations.json', import.meta.url);

interface Report {
  testResults: Array<{ name: string; startTime: number; endTime: number }>;
}

const input = process.argv[2];
if (!input) {
  console.error(
    'usage: npx tsx scripts/test-durations.ts <.tmp/file-durations-run.json or a vitest JSON report>',
  );
  process.exit(2);
}
const parsed = JSON.parse(readFileSync(input, 'utf8')) as Report | Record<string, number>;
const unsorted: Array<readonly [string, number]> = Array.isArray(parsed.testResults)
  ? (parsed as Report).testResults.map((r) => {
      const at = r.name.lastIndexOf('/test/');
      const path = at >= 0 ? r.name.slice(at + 1) : relative(ROOT, r.name);
      return [path, Math.round((r.endTime - r.startTime) / 100) / 10] as const;
    })
  : Object.entries(parsed as Record<string, number>);
const rows = unsorted.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
writeFileSync(OUT, `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
console.log(`${rows.length} files written to ${fileURLToPath(OUT)}`);
