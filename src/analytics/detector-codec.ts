// The saved form of a detector's state: each slot of the Float64Array in as few bytes as its contents
// need (the context set's words are 32-bit integers, the phase model's cell counts three 16-bit counts, the
// rest float64), so that the base64 a store keeps stays under the 8 KB budget. Lossless: unpacking gives
// the same float64s back, bit for bit.

/** A run of slots of one kind: float64, a 32-bit unsigned integer, or a 48-bit unsigned integer. */
export type StateSegment = readonly [kind: 'f64' | 'u32' | 'u48', slots: number];

const BYTES = { f64: 8, u32: 4, u48: 6 } as const;
const TWO32 = 2 ** 32;
const TWO48 = 2 ** 48;

/** Bytes of the packed form of a state with this layout. */
export function packedSize(layout: readonly StateSegment[]): number {
  let n = 0;
  for (const [kind, slots] of layout) n += BYTES[kind] * slots;
  return n;
}

/** Slots of a state with this layout. */
export function layoutSlots(layout: readonly StateSegment[]): number {
  let n = 0;
  for (const [, slots] of layout) n += slots;
  return n;
}

/**
 * Packs `state` by `layout`; null when it does not fit the layout (its size, or an integer slot holding
 * something else), so that the caller can keep the float64 form.
 */
export function packState(state: Float64Array, layout: readonly StateSegment[]): Uint8Array | null {
  if (state.length !== layoutSlots(layout)) return null;
  const out = new Uint8Array(packedSize(layout));
  const view = new DataView(out.buffer);
  let at = 0;
  let i = 0;
  for (const [kind, slots] of layout) {
    for (let k = 0; k < slots; k++, i++) {
      const v = state[i] as number;
      if (kind === 'f64') {
        view.setFloat64(at, v, true);
      } else {
        const max = kind === 'u32' ? TWO32 : TWO48;
        if (!(Number.isInteger(v) && v >= 0 && v < max)) return null;
        view.setUint32(at, v % TWO32, true);
        if (kind === 'u48') view.setUint16(at + 4, Math.floor(v / TWO32), true);
      }
      at += BYTES[kind];
    }
  }
  return out;
}

/** The state `packState` packed (null when the bytes do not have the layout's size). */
export function unpackState(bytes: Uint8Array, layout: readonly StateSegment[]): Float64Array | null {
  if (bytes.byteLength !== packedSize(layout)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state = new Float64Array(layoutSlots(layout));
  let at = 0;
  let i = 0;
  for (const [kind, slots] of layout) {
    for (let k = 0; k < slots; k++, i++) {
      if (kind === 'f64') state[i] = view.getFloat64(at, true);
      else {
        const lo = view.getUint32(at, true);
        state[i] = kind === 'u48' ? lo + view.getUint16(at + 4, true) * TWO32 : lo;
      }
      at += BYTES[kind];
    }
  }
  return state;
}
