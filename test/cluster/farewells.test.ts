// WorkerTable.farewells (issue #13): a graceful handover's window is complete only when every worker gone within
// the window left its last minute (`bye`); those windows are what the handover carries. Injected times.

import { describe, expect, it } from 'vitest';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';

describe('WorkerTable.farewells', () => {
  it('complete when every worker gone within the window left its last minute; out-of-window ones neither count nor are carried', () => {
    const t = new WorkerTable();
    t.set(newEntry('self', 1, 0, { self: true }));
    t.set(newEntry('left', 2, 0, { goneAt: 100_000, farewell: { w: 'left' } }));
    t.set(newEntry('old', 3, 0, { goneAt: 10_000, farewell: { w: 'old' } }));
    const out: unknown[] = [];
    expect(t.farewells(130_000, 60_000, out)).toBe(true);
    expect(out).toEqual([{ w: 'left' }]);
    // A worker that crashed within the window left nothing: incomplete.
    t.set(newEntry('crashed', 4, 0, { goneAt: 120_000 }));
    expect(t.farewells(130_000, 60_000)).toBe(false);
    // Once the window has passed it, the window lacks nothing of it.
    expect(t.farewells(180_000, 60_000)).toBe(true);
  });

  it('a departed worker whose process lives on is not retired; its last minute is let go once out of the window', () => {
    const t = new WorkerTable();
    // process.pid: alive, so retire() keeps the entry.
    t.set(newEntry('alive', process.pid, 0, { goneAt: 0, farewell: { w: 'alive' } }));
    t.retire(30_000, 60_000);
    expect(t.get('alive')?.farewell).toEqual({ w: 'alive' });
    t.retire(60_000, 60_000);
    expect(t.get('alive')?.farewell).toBeNull();
  });
});
