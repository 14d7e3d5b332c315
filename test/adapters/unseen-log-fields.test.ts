// Outside review B, RTB-3: the unseen-request warning escaped control and bidi characters in its message but not
// in its structured first argument, whose `path` held the decoded path's real ESC, newline and U+202E: a JSON or
// pretty-printing logger (pino, winston) writes those fields as they are. The object's strings are now escaped as
// the message is. Real Express and Koa servers; a handler before the middleware answers the forged path.
// Oracle: the escaping written out by hand (`\uXXXX` for each C0/C1 control and bidi override), and the message.

import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor as expressMonitor } from '../../src/adapters/express.js';
import { createMonitor as koaMonitor } from '../../src/adapters/koa.js';
import { CURRENT_MAJORS } from './framework-modules.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Line {
  obj: Record<string, unknown>;
  msg: string;
}

function logger(lines: Line[]) {
  const push = (obj: unknown, msg?: string) =>
    void lines.push({ obj: obj as Record<string, unknown>, msg: String(msg) });
  return { warn: push, error: push, info() {} };
}

async function listen(listener: RequestListener, close: () => Promise<void>): Promise<number> {
  const server: Server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await close();
  });
  return (server.address() as AddressInfo).port;
}

/** GET `target` exactly as written on the request line; resolves when the server closed the connection. */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket
      .on('data', (d) => {
        text += d;
      })
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

// A newline, a fake line, ESC[2J, U+202E, a CR and C1 CSI (U+009B), percent-encoded: the path decodes to them.
const TARGET = '/files/%0aFAKE%20sysvitals:%20all%20good%1b[2J%e2%80%ae%0d%c2%9b';
const ESCAPED = '/files/\\u000aFAKE sysvitals: all good\\u001b[2J\\u202e\\u000d\\u009b';
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that forge log lines are the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const apps: Array<[string, (lines: Line[]) => Promise<number>]> = [
  [
    'express',
    async (lines) => {
      const monitor = expressMonitor({ sampleIntervalMs: 0, logger: logger(lines) });
      const app = CURRENT_MAJORS.express();
      app.use('/files', (_req: unknown, res: { end(s: string): void }) => res.end('file'));
      app.use(monitor.middleware());
      return listen(app, () => monitor.close());
    },
  ],
  [
    'koa',
    async (lines) => {
      const monitor = koaMonitor({ sampleIntervalMs: 0, logger: logger(lines) });
      const app = new CURRENT_MAJORS.koa();
      app.use(async (ctx: { path: string; body: unknown }, next: () => Promise<void>) => {
        if (ctx.path.startsWith('/files/')) ctx.body = 'file';
        else await next();
      });
      app.use(monitor.middleware());
      return listen(app.callback(), () => monitor.close());
    },
  ],
];

describe.each(apps)('%s: the unseen-request warning', (_name, start) => {
  it("escapes the structured argument's strings as it escapes the message", async () => {
    const lines: Line[] = [];
    const port = await start(lines);
    expect(await rawGet(port, TARGET)).toMatch(/^HTTP\/1\.1 200/);
    await vi.waitFor(
      () => expect(lines.some((l) => l.msg.includes('without passing monitor.middleware()'))).toBe(true),
      {
        timeout: 5000,
      },
    );
    const unseen = lines.filter((l) => l.msg.includes('without passing monitor.middleware()'));
    expect(unseen).toHaveLength(1);
    const { obj, msg } = unseen[0] as Line;
    expect(obj).toEqual({ method: 'GET', path: ESCAPED, status: 200, unseen: 1 });
    expect(msg).toContain(`GET ${ESCAPED} was answered (200)`);
    for (const value of Object.values(obj)) if (typeof value === 'string') expect(value).not.toMatch(CONTROL);
  });
});
