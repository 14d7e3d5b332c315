// The saved form of the monitor's anomaly models: JSON, each series' detector state packed by
// detector-codec.ts (lossless) in base64, under the 8 KB budget per series.

import {
  DEFAULT_DETECTOR_PARAMS,
  detectorStateLayout,
  detectorStateLayoutV4,
  detectorStateSize,
  detectorStateSizeV4,
  upgradeDetectorState,
} from './anomaly-detector.js';
import { COUNT_STATE_SIZE, COUNT_STATE_SIZE_V1, COUNT_STATE_SIZE_V2 } from './count-model.js';
import { packState, unpackState } from './detector-codec.js';

/**
 * The saved form of the detectors' states (the default parameters'): JSON with each series' packed state in
 * base64 (`v` 5; `v` 4, the same without the excursion run, `v` 3, without the share of zero readings
 * either, and `v` 2, the raw Float64Array of that state, are still read).
 */
export function encodeDetectorStates(
  states: Iterable<[name: string, state: Float64Array]>,
  counts: Iterable<[name: string, state: Float64Array]> = [],
): string {
  const layout = detectorStateLayout(DEFAULT_DETECTOR_PARAMS);
  // No prototype: a custom series named `__proto__` is saved like any other (JSON.stringify writes own keys).
  const series: Record<string, string> = Object.create(null);
  for (const [name, state] of states) {
    const packed = packState(state, layout);
    // A state that does not fit the layout (never seen) is not saved: the series starts fresh.
    if (packed)
      series[name] = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString('base64');
  }
  // The count models' states (count-model.ts), as JSON numbers: a few slots each, exact.
  const countStates: Record<string, number[]> = Object.create(null);
  for (const [name, state] of counts) countStates[name] = Array.from(state);
  return JSON.stringify({
    v: 5,
    size: detectorStateSize(DEFAULT_DETECTOR_PARAMS),
    series,
    counts: countStates,
  });
}

/** The count models' states `encodeDetectorStates` saved (none in a state saved before them). */
export function decodeCountStates(json: string): Array<[name: string, state: Float64Array]> {
  let o: { counts?: Record<string, unknown> };
  try {
    o = JSON.parse(json);
  } catch {
    return [];
  }
  if (typeof o?.counts !== 'object' || o.counts === null) return [];
  const out: Array<[string, Float64Array]> = [];
  for (const [name, slots] of Object.entries(o.counts)) {
    // A state saved before the tail model has three slots fewer, one saved before its return CUSUM one (0: the
    // tail model's slots start, and a return CUSUM, the failure model's too, restarts from no evidence).
    if (
      !Array.isArray(slots) ||
      (slots.length !== COUNT_STATE_SIZE &&
        slots.length !== COUNT_STATE_SIZE_V1 &&
        slots.length !== COUNT_STATE_SIZE_V2)
    )
      continue;
    if (slots.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const state = new Float64Array(COUNT_STATE_SIZE);
      state.set(slots);
      out.push([name, state]);
    }
  }
  return out;
}

/** The states `encodeDetectorStates` (or an earlier version) saved; a series that does not read is left out. */
export function decodeDetectorStates(json: string): Array<[name: string, state: Float64Array]> {
  const out: Array<[string, Float64Array]> = [];
  const size = detectorStateSize(DEFAULT_DETECTOR_PARAMS);
  const layout = detectorStateLayout(DEFAULT_DETECTOR_PARAMS);
  // v4 saved the state before the excursion run (one tail slot, the zero share); v2 and v3 before the zero
  // share too (no tail segment).
  const v4Size = detectorStateSizeV4(DEFAULT_DETECTOR_PARAMS);
  const v4Layout = detectorStateLayoutV4(DEFAULT_DETECTOR_PARAMS);
  const oldSize = v4Size - 1;
  const oldLayout = layout.slice(0, -1);
  let o: { v?: number; size?: number; series?: Record<string, unknown> };
  try {
    o = JSON.parse(json);
  } catch {
    return out;
  }
  if (typeof o?.series !== 'object' || o.series === null) return out;
  if (
    !(o.v === 5
      ? o.size === size
      : o.v === 4
        ? o.size === v4Size
        : (o.v === 2 || o.v === 3) && o.size === oldSize)
  )
    return out;
  for (const [name, b64] of Object.entries(o.series)) {
    if (typeof b64 !== 'string') continue;
    const bytes = Buffer.from(b64, 'base64');
    let state: Float64Array | null = null;
    if (o.v === 5) state = unpackState(bytes, layout);
    else if (o.v === 4) state = unpackState(bytes, v4Layout);
    else if (o.v === 3) state = unpackState(bytes, oldLayout);
    else if (bytes.byteLength === oldSize * 8) {
      state = new Float64Array(oldSize);
      new Uint8Array(state.buffer).set(bytes);
    }
    if (state && o.v !== 5) state = upgradeDetectorState(state);
    if (state?.every(Number.isFinite)) out.push([name, state]);
  }
  return out;
}
