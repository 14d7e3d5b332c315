// Messages between the workers and the aggregator: length-prefixed JSON frames, deflated when large (raw
// deflate, pako's: src/latency/deflate.ts, no node:zlib stream in a worker's process; a peer of an earlier version, which
// deflated with node:zlib, reads these frames and writes frames this reader inflates: the format is the same).

import type { Socket } from 'node:net';
import { deflateRaw, inflateRaw } from '../latency/deflate.js';

/** A frame longer than this, or a deflated one inflating to more, closes the connection (a broken or hostile peer). */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;
const DEFLATE_ABOVE = 512;

/** Serialises one message: 4-byte length, 1 flag byte (0 JSON, 1 deflated JSON), the body. */
export function encodeFrame(message: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const deflate = json.length > DEFLATE_ABOVE;
  const body = deflate ? deflateRaw(json) : json;
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame.writeUInt32BE(body.length + 1, 0);
  frame.writeUInt8(deflate ? 1 : 0, 4);
  body.copy(frame, 5);
  return frame;
}

/** Writes one message; returns the bytes written (0 when the socket is gone). */
export function sendFrame(socket: Socket, message: unknown): number {
  if (socket.destroyed || !socket.writable) return 0;
  const frame = encodeFrame(message);
  socket.write(frame);
  return frame.length;
}

/** Splits a byte stream into messages. A malformed frame throws: the caller closes the connection. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onMessage: (message: unknown) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length < 1 || length > MAX_FRAME_BYTES) throw new Error(`bad frame length ${length}`);
      if (this.buffer.length < 4 + length) return;
      const flag = this.buffer[4];
      const body = this.buffer.subarray(5, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      const json = flag === 1 ? inflateRaw(body, MAX_FRAME_BYTES) : body;
      this.onMessage(JSON.parse(json.toString()));
    }
  }
}
