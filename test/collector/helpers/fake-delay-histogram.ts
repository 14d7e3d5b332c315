// A delay histogram a test fills by hand, in place of perf_hooks' monitorEventLoopDelay.

import type { DelayHistogram } from '../../../src/collector/process.js';

/** A delay histogram the test fills: tick intervals in ms, as perf_hooks records them (ns, resolution included). */
export class FakeHistogram implements DelayHistogram {
  ticksMs: number[] = [];
  resets = 0;
  enabled = false;
  get count() {
    return this.ticksMs.length;
  }
  get max() {
    return Math.max(...this.ticksMs) * 1e6;
  }
  percentile(p: number) {
    const sorted = [...this.ticksMs].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! * 1e6;
  }
  reset() {
    this.ticksMs = [];
    this.resets++;
  }
  enable() {
    this.enabled = true;
  }
  disable() {
    this.enabled = false;
  }
}
