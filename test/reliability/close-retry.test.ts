// RT40-2: an awaited monitor.close() holds the process open while a notification waits for its retry: the child
// exits by itself with code 0 after the line that follows `await close()`, and the receiver got the retry.

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';

/** A guard against a hung child, not a speed claim. */
const HANG_GUARD_MS = 20_000;

interface Received {
  status: number;
  type: string;
}

/** A receiver that answers the first POST 503 (transient), every later one 200. */
async function receiver(): Promise<{ server: Server; url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const status = got.length === 0 ? 503 : 200;
      const parsed = JSON.parse(body) as { status?: string; type?: string };
      got.push({ status, type: parsed.status ?? parsed.type ?? '' });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, got };
}

function runChild(
  url: string,
  mode: 'channel' | 'webhook',
): Promise<{ code: number | null | 'hung'; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bundled('close-retry')], {
    env: { ...process.env, RECEIVER_URL: url, MODE: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'hung', stdout, stderr });
    }, HANG_GUARD_MS);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('await monitor.close() with a notification waiting for its retry', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  for (const mode of ['channel', 'webhook'] as const) {
    it(
      `holds the process until the retry is delivered (${mode === 'webhook' ? 'the `webhook` option' : 'a channel'})`,
      async () => {
        const r = await receiver();
        server = r.server;
        const run = await runChild(r.url, mode);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout, run.stderr).toContain('after close');
        expect(r.got.map((g) => g.status)).toEqual([503, 200]);
        expect(r.got[1]!.type).toBe(mode === 'webhook' ? 'raised' : 'firing');
      },
      3 * HANG_GUARD_MS,
    );
  }
});
