// Keeps process.nextTick on its fast path for the life of the process (Node 20 / V8 11.3).
//
// nextTick builds each queue entry with `{ [async_id_symbol]: id, [trigger_async_id_symbol]: trigger,
// callback, args }`. V8 records, per computed key, the hidden class (map) the entry had before that key;
// those maps are held weakly. A full (mark-compact) GC that runs while no tick entry is alive and before
// nextTick is optimized can free them; the next nextTick then finds a new map, marks the three later keys
// megamorphic, and TurboFan compiles them as runtime calls: nextTick stays about ten times dearer for the
// life of the process (bench/RESULTS.md, nexttick 2026-12-03). Which start-ups hit it is chance (GC timing):
// a start-up console.warn made it likelier in our bench. One entry kept alive keeps the whole chain of maps
// alive, so the feedback stays monomorphic. Once per process, at createMonitor; nothing per request.

import { executionAsyncResource } from 'node:async_hooks';

/**
 * The entry of one of our own nextTick callbacks (executionAsyncResource() while it runs). An array and a
 * push, not a variable assigned: the bundler drops a store to a variable nothing in the bundle reads.
 */
const kept: object[] = [];
let scheduled = false;

/** Schedules, once per process, a nextTick whose own queue entry is then kept alive. */
export function pinTickShape(): void {
  if (scheduled) return;
  scheduled = true;
  process.nextTick(() => {
    kept.push(executionAsyncResource());
  });
}

/** The kept entry, for the regression test. @internal */
export function pinnedTickEntry(): object | undefined {
  return kept[0];
}
