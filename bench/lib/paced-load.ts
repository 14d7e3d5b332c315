// An evenly paced HTTP/1.1 load generator for `--split` (bench/lib/split.ts): GET `url` at `rate` requests a second,
// spread over the second (every millisecond the requests due by then are sent), over `connections` keep-alive
// sockets with one request in flight each, for `seconds` from `startAt` (epoch ms: both generators of a split window
// start together). Prints one JSON line shaped like autocannon's `-j` result (the fields bench/lib/paired.ts reads).
//
//   node --import tsx bench/lib/paced-load.ts <url> <seconds> <rate> <connections> [startAt]
//
// Why not autocannon's -R: autocannon paces by counting requests per connection per second and resets the counts on
// a 1 s interval, so a "5000 req/s" run is a burst at full concurrency at the start of each second, then silence
// (node_modules/autocannon/lib/httpClient.js, reqsMadeThisSecond): inside the burst the server is saturated and
// shares its core with whatever else runs there. Here a request due while every socket is busy waits for the first
// free one (the backlog; its maximum is reported as `behind`), so a server that keeps up sees a smooth rate.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const [url = '', secondsArg = '10', rateArg = '1000', connectionsArg = '10', startAtArg] =
  process.argv.slice(2);
const seconds = Number(secondsArg);
const rate = Number(rateArg);
const connections = Math.max(1, Number(connectionsArg));
const target = new URL(url);
const REQUEST = Buffer.from(
  `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`,
);
const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

interface Conn {
  socket: Socket;
  buf: Buffer;
  /** performance.now() of the request in flight, or -1 when idle. */
  sentAt: number;
}

let ok = 0;
let non2xx = 0;
let errors = 0;
let sent = 0;
let backlog = 0;
let behind = 0;
let done = false;
const latencies: number[] = [];
const idle: Conn[] = [];
const open = new Set<Conn>();

/** Length of the first complete response in `buf` and its status, or undefined while it is incomplete. */
function complete(buf: Buffer): { length: number; status: number } | undefined {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const total = end + 4 + Number(length[1]);
    return buf.length >= total ? { length: total, status } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = buf.indexOf(CHUNKED_END, end + 4);
    return last < 0 ? undefined : { length: last + CHUNKED_END.length, status };
  }
  return { length: end + 4, status };
}

function send(c: Conn): void {
  c.sentAt = performance.now();
  sent++;
  backlog--;
  c.socket.write(REQUEST);
}

function drain(): void {
  while (backlog > 0 && idle.length > 0) send(idle.pop() as Conn);
}

function onFree(c: Conn): void {
  c.sentAt = -1;
  if (done) return;
  if (backlog > 0) send(c);
  else idle.push(c);
}

function openConn(): void {
  const c: Conn = { socket: connect(Number(target.port), target.hostname), buf: Buffer.alloc(0), sentAt: -1 };
  open.add(c);
  c.socket.setNoDelay(true);
  c.socket.on('connect', () => onFree(c));
  c.socket.on('data', (chunk: Buffer) => {
    c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
    for (let r = complete(c.buf); r; r = complete(c.buf)) {
      c.buf = c.buf.subarray(r.length);
      if (r.status >= 200 && r.status < 300) ok++;
      else non2xx++;
      latencies.push(performance.now() - c.sentAt);
      onFree(c);
    }
  });
  c.socket.on('error', () => {
    errors++;
  });
  c.socket.on('close', () => {
    open.delete(c);
    const i = idle.indexOf(c);
    if (i >= 0) idle.splice(i, 1);
    if (c.sentAt >= 0) {
      // A request in flight lost with its socket: counted as an error and sent again on a new socket.
      errors++;
      backlog++;
    }
    // A server that refuses every connection ends the run instead of spinning.
    if (!done && errors < 100) openConn();
  });
}

function finish(elapsedS: number): void {
  done = true;
  for (const c of open) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  const p99 = latencies.length ? (latencies[Math.floor(latencies.length * 0.99)] as number) : Number.NaN;
  process.stdout.write(
    `${JSON.stringify({
      requests: { average: ok / elapsedS, total: ok + non2xx, sent },
      latency: { p99, max: latencies.length ? latencies[latencies.length - 1] : Number.NaN },
      errors,
      timeouts: 0,
      non2xx,
      '2xx': ok,
      behind,
    })}\n`,
  );
  process.exit(0);
}

for (let i = 0; i < connections; i++) openConn();
const startAt = startAtArg ? Number(startAtArg) : Date.now();
setTimeout(
  () => {
    const t0 = performance.now();
    const total = Math.round(rate * seconds);
    let scheduled = 0;
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) / 1000) * rate));
      backlog += due - scheduled;
      scheduled = due;
      drain();
      behind = Math.max(behind, backlog);
      if (scheduled < total) {
        setTimeout(tick, 1);
        return;
      }
      // Every request sent: wait for the last answers (at most 2 s more), then report over the paced seconds.
      const settle = () => {
        const inFlight = [...open].some((c) => c.sentAt >= 0);
        if ((backlog === 0 && !inFlight) || performance.now() - now > 2000) finish((now - t0) / 1000);
        else setTimeout(settle, 1);
      };
      settle();
    };
    tick();
  },
  Math.max(0, startAt - Date.now()),
);
