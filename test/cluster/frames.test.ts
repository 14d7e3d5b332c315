// Frames between workers and the aggregator: a report as written to the socket (deflated above 512 B,
// the bytes bench/cluster-report.ts counts) reads back as the same report, whatever the chunking.

import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, MAX_FRAME_BYTES } from '../../src/cluster/frames.js';
import { decodeReport, Reporter } from '../../src/cluster/report.js';
import { FunctionTimings } from '../../src/functions/function-stats.js';
import { QueryStats } from '../../src/profiling/query-stats.js';
import { RequestStats } from '../../src/requests/requests.js';
import { prng } from '../helpers/random.js';

/** A report of `events` seeded requests and queries over `routes` routes (as a worker takes it). */
function report(seed: number, events: number, routes: number) {
  const t = { now: 1_000_000 };
  const clock = { now: () => t.now };
  const requests = new RequestStats({ clock });
  requests.trackRouteLatency();
  const queries = new QueryStats({ clock });
  const reporter = new Reporter({ requests, functions: new FunctionTimings({ clock }), queries, clock });
  const { u, n } = prng(seed);
  for (let i = 0; i < events; i++) {
    const ms = Math.exp(3 + n() * 0.8);
    requests.record('GET', `/r${Math.floor(u() * routes)}`, u() < 0.1 ? 500 : 200, ms);
    if (u() < 0.5) queries.record('postgresql', `SELECT ${Math.floor(u() * 3)}`, ms / 4, false, '/r0');
  }
  t.now += 1000;
  return { t: 'report', report: reporter.take() };
}

/** Feeds `frames` to a reader cut at the given points; the messages it gives back. */
function read(frames: Buffer, cuts: number[]): unknown[] {
  const out: unknown[] = [];
  const reader = new FrameReader((m) => out.push(m));
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    reader.push(frames.subarray(at, cut));
    at = cut;
  }
  reader.push(frames.subarray(at));
  return out;
}

describe('report frames', () => {
  it('round trip of seeded reports, deflated or not, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        (seed, events, routes, cutsAt) => {
          const messages = [report(seed, events, routes), report(seed + 1, events >> 1, routes)];
          const frames = Buffer.concat(messages.map((m) => encodeFrame(m)));
          const back = read(
            frames,
            cutsAt.map((f) => Math.floor(f * frames.length)),
          );
          expect(back).toEqual(JSON.parse(JSON.stringify(messages)));
          const again = back[0] as { report: Parameters<typeof decodeReport>[0] };
          expect(decodeReport(again.report)).toEqual(decodeReport(messages[0]?.report as never));
        },
      ),
      { seed: 1317, numRuns: 60 },
    );
  });

  it('deflates a report whose JSON is over 512 B (flag 1, fewer bytes) and not a small one (flag 0)', () => {
    const big = report(7, 5000, 5);
    const json = JSON.stringify(big).length;
    const frame = encodeFrame(big);
    expect(json).toBeGreaterThan(512);
    expect(frame[4]).toBe(1);
    expect(frame.length).toBeLessThan(json);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const small = report(7, 3, 1);
    expect(JSON.stringify(small).length).toBeLessThanOrEqual(512);
    const smallFrame = encodeFrame(small);
    expect(smallFrame[4]).toBe(0);
    expect(smallFrame.length).toBe(5 + Buffer.byteLength(JSON.stringify(small)));
  });

  // Frames are now deflated by pako (src/latency/deflate.ts) where earlier versions used node:zlib's deflateRawSync: a
  // worker and an aggregator of different versions share the frames, so each must read the other's.
  it("reads frames an earlier version wrote (node:zlib's raw deflate), which reads this version's", () => {
    const big = report(11, 4000, 7);
    const json = Buffer.from(JSON.stringify(big));
    const body = zlib.deflateRawSync(json);
    const old = Buffer.allocUnsafe(5 + body.length);
    old.writeUInt32BE(body.length + 1, 0);
    old.writeUInt8(1, 4);
    body.copy(old, 5);
    expect(read(old, [3, 100])).toEqual([JSON.parse(JSON.stringify(big))]);
    const frame = encodeFrame(big);
    expect(frame[4]).toBe(1);
    // The earlier reader: length, flag, node:zlib's inflateRawSync with the same bound.
    const inflated = zlib.inflateRawSync(frame.subarray(5, 4 + frame.readUInt32BE(0)), {
      maxOutputLength: MAX_FRAME_BYTES,
    });
    expect(inflated.equals(json)).toBe(true);
  });

  it('refuses a deflated frame that inflates past MAX_FRAME_BYTES (a zip bomb), as its length bound refuses a long one', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20));
    expect(bomb.length).toBeLessThan(MAX_FRAME_BYTES / 100);
    const frame = Buffer.allocUnsafe(5 + bomb.length);
    frame.writeUInt32BE(bomb.length + 1, 0);
    frame.writeUInt8(1, 4);
    bomb.copy(frame, 5);
    const out: unknown[] = [];
    expect(() => new FrameReader((m) => out.push(m)).push(frame)).toThrow(RangeError);
    expect(out).toEqual([]);
    // Exactly MAX_FRAME_BYTES of JSON inflates (a string of spaces around 1 parses).
    const json = Buffer.alloc(MAX_FRAME_BYTES, 0x20);
    json[0] = 0x31;
    const fits = zlib.deflateRawSync(json);
    const ok = Buffer.allocUnsafe(5 + fits.length);
    ok.writeUInt32BE(fits.length + 1, 0);
    ok.writeUInt8(1, 4);
    fits.copy(ok, 5);
    new FrameReader((m) => out.push(m)).push(ok);
    expect(out).toEqual([1]);
  });
});
