// Slot counts on the wire: the packed run-length text reads back as the numbers it was made of, the
// array form (ledgers written before) still reads, and malformed text is refused.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCounts, packRuns, unpackRuns } from '../../src/cluster/counts-wire.js';

describe('packed run-length counts', () => {
  it('round trip of any run-length numbers, up to 2^53', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).filter((v) => v !== 0),
            fc.constantFrom(1, -1, 15, 16, -16, 2 ** 53 - 1, -(2 ** 52)),
          ),
        ),
        (c) => {
          expect(unpackRuns(packRuns(c))).toEqual(c);
        },
      ),
      { seed: 1313, numRuns: 300 },
    );
  });

  it('about half the bytes of the JSON array; the array form still decodes the same', () => {
    const c = [-120, 3, 1, -4, 9, 250, -1, 17];
    expect(packRuns(c).length).toBeLessThan(JSON.stringify(c).length / 2 + 2);
    const wire = { n: 3 + 1 + 9 + 250 + 17, s: 10, x: 5, e: 0 };
    expect(decodeCounts({ ...wire, c: packRuns(c) }, 5000)).toEqual(decodeCounts({ ...wire, c }, 5000));
  });

  it('refuses a character outside the digits and a cut number', () => {
    expect(() => unpackRuns('A*')).toThrow('bad counts');
    expect(() => unpackRuns('g')).toThrow('bad counts');
  });
});
