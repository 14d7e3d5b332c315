// Last words applied exactly once (src/cluster/last-words-apply.ts): the credit is what the totals since start hold
// beyond the worker's entry, so an aggregator that credited a file but could not write its ledger keeps the file
// (named in `missing`), and a successor starting from a ledger that holds the credit adds nothing when it applies
// the same file again. Real files in a temporary directory; the oracle is the file's own figures.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KnownTotals } from '../../src/cluster/known-totals.js';
import { lastWordsPath, writeLastWords } from '../../src/cluster/last-words.js';
import { LastWordsApplier } from '../../src/cluster/last-words-apply.js';
import { requestsOf } from '../../src/cluster/lost.js';
import type { Report } from '../../src/cluster/report.js';
import { newEntry, type WorkerEntry, WorkerTable } from '../../src/cluster/workers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid whose process has exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;
const quiet = { warn() {}, error() {}, info() {} };

function applier(ledgerPath: string, workers: WorkerTable, saved: boolean) {
  const credited = { n: 0 };
  const merger = {
    credit(entry: WorkerEntry, full: Report) {
      credited.n += requestsOf(entry.known.replace(full));
    },
  };
  const options = { endpoint: { ledgerPath }, logger: quiet, now: () => 1000 };
  const host = { holds: () => true, save: () => saved };
  return { a: new LastWordsApplier(options, workers, merger, host), credited };
}

describe('last words', () => {
  it('credit once: a ledger not written keeps the file (missing); a successor from a ledger holding the credit adds nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-lw-'));
    dirs.push(dir);
    const ledgerPath = join(dir, 'x.ledger.json');
    const pid = deadPid();
    const id = `${pid}@1`;
    // 5 answered on GET /a, 3 on GET /b; 2 in flight on GET /a as it exited.
    const report = {
      r: [
        { m: 'GET', r: '/a', k: [0, 5, 0, 0, 0] },
        { m: 'GET', r: '/b', k: [0, 3, 0, 0, 0] },
      ],
      f: [],
      i: { n: 2 },
    };
    writeLastWords(ledgerPath, { id, pid, started_at: 1, report, ir: { r: [['GET', '/a', 2, 10]] } });
    const path = lastWordsPath(ledgerPath, id);

    // The aggregator knew 4 of /a from its frames (its ledger entry), and its ledger write fails.
    const t1 = new WorkerTable();
    const known = new KnownTotals();
    known.add({
      routes: [{ method: 'GET', route: '/a', classes: [0, 4, 0, 0, 0], latency: null }],
      functions: [],
    });
    t1.set(newEntry(id, pid, 1, { known }));
    const first = applier(ledgerPath, t1, false);
    first.a.apply();
    expect(first.credited.n).toBe(1 + 3 + 2);
    const e1 = t1.get(id) as WorkerEntry;
    expect(e1.lost).toBe(2);
    expect(e1.known.requests).toBe(5 + 3 + 2);
    expect(existsSync(path)).toBe(true);
    expect(first.a.missing()).toEqual([`last-words:${path.slice(dir.length + 1)}`]);

    // A successor starting from a ledger that holds the credit (written, then a crash before the removal).
    const t2 = new WorkerTable();
    for (const l of t1.ledger()) {
      const k = new KnownTotals();
      k.add(l.totals);
      t2.set(newEntry(l.id, l.pid, l.started_at, { known: k, lost: l.lost ?? 0 }));
    }
    const second = applier(ledgerPath, t2, true);
    second.a.apply();
    expect(second.credited.n).toBe(0);
    expect((t2.get(id) as WorkerEntry).lost).toBe(2);
    expect(existsSync(path)).toBe(false);
    expect(second.a.missing()).toEqual([]);
    second.a.apply();
    expect(second.credited.n).toBe(0);
  });

  it('a malformed file is named in missing and credits nothing; a file of a live process waits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-lw-'));
    dirs.push(dir);
    const ledgerPath = join(dir, 'x.ledger.json');
    writeFileSync(lastWordsPath(ledgerPath, '1@1'), '{"v":1,"id":');
    const report = { r: [{ m: 'GET', r: '/a', k: [0, 5, 0, 0, 0] }], f: [] };
    writeLastWords(ledgerPath, { id: `${process.pid}@1`, pid: process.pid, started_at: 1, report });
    const t = new WorkerTable();
    const { a, credited } = applier(ledgerPath, t, true);
    a.apply();
    expect(credited.n).toBe(0);
    expect(a.missing()).toEqual(['last-words:x.exit.1-1.json']);
    expect(existsSync(lastWordsPath(ledgerPath, `${process.pid}@1`))).toBe(true);
  });

  it("a temporary file left by a writer killed before its rename is removed once its process is gone; a live writer's stays", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-lw-'));
    dirs.push(dir);
    const ledgerPath = join(dir, 'x.ledger.json');
    const dead = deadPid();
    const deadTemp = `${lastWordsPath(ledgerPath, `${dead}@1`)}.${dead}.tmp`;
    const liveTemp = `${lastWordsPath(ledgerPath, `${process.pid}@1`)}.${process.pid}.tmp`;
    // Another cluster's (another ledger beside it) and a file that is no temp of last words: not ours to remove.
    const otherTemp = `${lastWordsPath(join(dir, 'y.ledger.json'), `${dead}@1`)}.${dead}.tmp`;
    const unrelated = join(dir, `x.exit.notes.${dead}.tmp`);
    for (const f of [deadTemp, liveTemp, otherTemp, unrelated]) writeFileSync(f, '{"v":1');
    const { a, credited } = applier(ledgerPath, new WorkerTable(), true);
    a.apply();
    expect(credited.n).toBe(0);
    expect(a.missing()).toEqual([]);
    expect([deadTemp, liveTemp, otherTemp, unrelated].map(existsSync)).toEqual([false, true, true, true]);
  });
});
