// Writes test/helpers/file-durations.json (each test file's seconds, one decimal) from a vitest JSON report, for the
// longest-first sequencer (test/helpers/longest-first.ts). Run it on a whole clean-clone CI run's report:
//
//   npx tsx scripts/test-durations.ts .tmp/vitest.json
//
// The durations are a run's own (what the machine's load made them): only their order is used.

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
  console.error('usage: npx tsx scripts/test-durations.ts <vitest JSON report>');
  process.exit(2);
}
const report = JSON.parse(readFileSync(input, 'utf8')) as Report;
const rows = report.testResults
  .map((r) => {
    const at = r.name.lastIndexOf('/test/');
    const path = at >= 0 ? r.name.slice(at + 1) : relative(ROOT, r.name);
    return [path, Math.round((r.endTime - r.startTime) / 100) / 10] as const;
  })
  .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
writeFileSync(OUT, `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
console.log(`${rows.length} files written to ${fileURLToPath(OUT)}`);
