// A bare h2c client reading the frames a server sent on one stream (RFC 9113), for tests whose oracle is what the
// client received at the protocol level: each HEADERS block's `:status` (a 103 before the final one), the DATA bytes,
// whether a frame carried END_STREAM, and a RST_STREAM's code. node:http2's client reads a stream the server resets
// with NO_ERROR before END_STREAM as a normal end, so it cannot tell a cut-off body from a whole one.

import { connect } from 'node:net';

export interface RawH2Reply {
  /** The `:status` of each HEADERS block on the stream, in order (informational ones first). */
  statuses: number[];
  /** DATA payload bytes received on the stream. */
  dataBytes: number;
  /** Whether a HEADERS or DATA frame of the stream carried END_STREAM (the response ended whole). */
  endStream: boolean;
  /** The error code of a RST_STREAM the server sent on the stream; null: none. */
  rst: number | null;
}

const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
};

/** A literal header field without indexing, its name by static-table index, its value not Huffman-coded. */
const literal = (index: number, value: string): Buffer =>
  Buffer.concat([Buffer.from([index, value.length]), Buffer.from(value, 'latin1')]);

/** HPACK's Huffman codes of the ten digits (RFC 7541 appendix B): all a `:status` value holds. */
const DIGIT_CODES: [string, number][] = [
  ['00000', 0],
  ['00001', 1],
  ['00010', 2],
  ['011001', 3],
  ['011010', 4],
  ['011011', 5],
  ['011100', 6],
  ['011101', 7],
  ['011110', 8],
  ['011111', 9],
];
/** Static-table entries 8–14: `:status` 200, 204, 206, 304, 400, 404, 500. */
const INDEXED_STATUS = [200, 204, 206, 304, 400, 404, 500];

/** The `:status` at the start of a header block (pseudo-headers come first); NaN when not readable. */
function statusOf(block: Buffer): number {
  const b = block[0] as number;
  if (b >= 0x88 && b <= 0x8e) return INDEXED_STATUS[b - 0x88] as number;
  const index = b & 0x40 ? b & 0x3f : b & 0x0f; // literal: incremental indexing, or without / never indexed
  if (index < 8 || index > 14) return Number.NaN;
  const len = (block[1] as number) & 0x7f;
  const raw = block.subarray(2, 2 + len);
  if (((block[1] as number) & 0x80) === 0) return Number(raw.toString('latin1'));
  let bits = '';
  for (const byte of raw) bits += byte.toString(2).padStart(8, '0');
  let digits = '';
  for (let i = 0; digits.length < 3; ) {
    const hit = DIGIT_CODES.find(([code]) => bits.startsWith(code, i));
    if (hit === undefined) return Number.NaN;
    digits += hit[1];
    i += hit[0].length;
  }
  return Number(digits);
}

/** GET `path` on stream 1 of a new h2c connection; the frames the server sent on that stream until it ended. */
export function rawH2Get(port: number, path: string): Promise<RawH2Reply> {
  return new Promise((resolve, reject) => {
    const reply: RawH2Reply = { statuses: [], dataBytes: 0, endStream: false, rst: null };
    const socket = connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.end(frame(7, 0, 0, Buffer.alloc(8))); // GOAWAY, NO_ERROR
      resolve(reply);
    };
    socket.on('connect', () => {
      const headers = Buffer.concat([
        Buffer.from([0x82, 0x86]), // :method GET, :scheme http
        literal(4, path),
        literal(1, `127.0.0.1:${port}`),
      ]);
      socket.write(
        Buffer.concat([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
          frame(4, 0, 0, Buffer.alloc(0)), // SETTINGS
          frame(1, 0x05, 1, headers), // HEADERS, END_STREAM | END_HEADERS
        ]),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) break;
        const type = buffered[3] as number;
        const flags = buffered[4] as number;
        const stream = buffered.readUInt32BE(5) & 0x7fffffff;
        const payload = buffered.subarray(9, 9 + length);
        buffered = buffered.subarray(9 + length);
        if (type === 4 && (flags & 1) === 0) socket.write(frame(4, 1, 0, Buffer.alloc(0))); // SETTINGS ACK
        if (stream !== 1) continue;
        if (type === 1) {
          const padded = flags & 0x08 ? 1 : 0;
          const priority = flags & 0x20 ? 5 : 0;
          reply.statuses.push(statusOf(payload.subarray(padded + priority)));
        }
        if (type === 0) reply.dataBytes += length - (flags & 0x08 ? (payload[0] as number) + 1 : 0);
        if ((type === 0 || type === 1) && flags & 0x01) {
          reply.endStream = true;
          finish();
        }
        if (type === 3) {
          reply.rst = payload.readUInt32BE(0);
          finish();
        }
      }
    });
    socket.on('error', (err) => (done ? undefined : reject(err)));
    socket.on('close', finish);
  });
}
