// Per kept phase dump (bench/instructions.ts --keep-dumps DIR): the total, the timers' work (Node's RunTimers and
// V8's delayed platform tasks, both fired by wall time) and the GC's, inclusive, per request. For telling why a
// count moves between phases (issue 18: Express's bare phases spread ±7 %).
//   npx tsx bench/callgrind-phases.ts DIR [--requests 1000]

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inclusiveOf, RUN_TIMERS } from './lib/callgrind-dump.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { requests: { type: 'string', default: '1000' } },
});
const N = Number(values.requests);
const dir = positionals[0] ?? '.';
/** Columns: a label and the function whose inclusive cost it is (name substring). */
const COLUMNS: [string, string][] = [
  ['timers (RunTimers)', RUN_TIMERS],
  ['V8 delayed tasks', 'PerIsolatePlatformData::RunForegroundTask(uv_timer_s'],
  ['memory reducer', 'MemoryReducer::TimerTask::RunInternal'],
  ['GC (CollectGarbage)', 'Heap::CollectGarbage('],
  ['incremental marking steps', 'IncrementalMarking::Step('],
  ['mark-compact', 'MarkCompactCollector::CollectGarbage('],
];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`| dump | total/req | ${COLUMNS.map(([l]) => `${l}/req (calls)`).join(' | ')} |`);
console.log(`|---|---:|${COLUMNS.map(() => '---:').join('|')}|`);
for (const file of readdirSync(dir)
  .filter((f) => /\.phase\d+\.out$/.test(f))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
  const text = readFileSync(join(dir, file), 'utf8');
  const cells = COLUMNS.map(([, name]) => inclusiveOf(text, name));
  const total = cells[0]?.total ?? Number.NaN;
  console.log(
    `| ${file} | ${fmt(total / N)} | ${cells.map((c) => `${fmt(c.instructions / N)} (${c.calls})`).join(' | ')} |`,
  );
}
