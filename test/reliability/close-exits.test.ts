// monitor.close() in a real process: the process exits on its own right after, with the last bucket in Redis.

import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePoint } from '../../src/history/point-codec.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

const haveRedis = requireRedis();
const fixture = fileURLToPath(new URL('./fixtures/close-exits.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
/** The bound between close() returning and the process being gone. */
const EXIT_WITHIN_MS = 200;
const REQUESTS = 25;

/** One GET without keep-alive, so no client connection holds the child's server open. */
function request(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

interface ChildRun {
  closeMs: number;
  exitAfterCloseMs: number;
  code: number | null | 'hung';
  stderr: string;
}

/** Starts the fixture, sends REQUESTS requests, optionally kills Redis, asks it to close, and times its exit. */
async function runChild(
  redis: RedisServer,
  prefix: string,
  fault?: 'SIGKILL' | 'SIGSTOP',
): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix, INSTANCE: 'child-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const lines: Record<string, number>[] = [];
  let onLine: (() => void) | undefined;
  let buffered = '';
  child.stdout.on('data', (c: Buffer) => {
    buffered += c.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      lines.push(JSON.parse(buffered.slice(0, i)) as Record<string, number>);
      buffered = buffered.slice(i + 1);
      onLine?.();
    }
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => {
    child.once('exit', (code) => resolve({ code, at: Date.now() }));
  });
  const nextLine = (key: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${key} from the child: ${stderr}`)), 15_000);
      onLine = () => {
        const line = lines.find((l) => key in l);
        if (!line) return;
        clearTimeout(timer);
        resolve(line);
      };
      onLine();
    });

  try {
    const { port } = await nextLine('port');
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < REQUESTS; i++) expect(await request(`${base}/work/${i}`)).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // a few samples, so one is likely in flight at close
    if (fault) await redis.kill(fault);
    expect(await request(`${base}/close`)).toBe(200);
    const { closeStart, closeEnd } = await nextLine('closeEnd');
    const exit = await Promise.race([
      exited,
      new Promise<{ code: 'hung'; at: number }>((r) =>
        setTimeout(() => r({ code: 'hung', at: Date.now() }), 5000),
      ),
    ]);
    return {
      closeMs: closeEnd! - closeStart!,
      exitAfterCloseMs: exit.at - closeEnd!,
      code: exit.code,
      stderr,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

describe.skipIf(!haveRedis)('monitor.close() in a child process', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it(`exits on its own within ${EXIT_WITHIN_MS} ms of close() returning, with the last bucket written`, async () => {
    redis = await startRedis();
    const prefix = `close-exits-${process.pid}`;
    const run = await runChild(redis, prefix);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(''); // no "points not written", no "did not close cleanly"
    expect(run.closeMs).toBeLessThan(2000);
    expect(run.exitAfterCloseMs).toBeLessThan(EXIT_WITHIN_MS);

    // The bucket was still open at close() (one-minute resolution): close() wrote it.
    const admin = new Redis(redis.url);
    try {
      const members = await admin.zrange(`{${prefix}}:points:child-1`, 0, -1);
      const points = members.map((m) => parsePoint(m)!);
      expect(points.length).toBeGreaterThanOrEqual(1);
      expect(points.reduce((n, p) => n + p.requests, 0)).toBe(REQUESTS + 1); // the /close request too
      expect(points.reduce((n, p) => n + p.samples, 0)).toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  });

  it.each([
    ['killed', 'SIGKILL'],
    ['frozen', 'SIGSTOP'],
  ] as const)(
    `with Redis %s: close() gives up after its timeout, says what was lost, and the process exits within ${EXIT_WITHIN_MS} ms`,
    async (name, signal) => {
      redis = await startRedis();
      const run = await runChild(redis, `close-exits-${name}-${process.pid}`, signal);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/history points not written/);
      expect(run.closeMs).toBeLessThan(3000);
      expect(run.exitAfterCloseMs).toBeLessThan(EXIT_WITHIN_MS);
    },
  );
});
