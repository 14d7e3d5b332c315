// `sysvitals serve`: the standalone server in-process, and the CLI as a child process (signals, exit codes).

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { type Standalone, startStandalone } from '../../src/cli/serve.js';
import { ServeUsageError, standaloneOptionsFromFlags } from '../../src/cli/serve-flags.js';
import { SysvitalsError } from '../../src/errors.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/http/prometheus/options.js';
import { silentLogger } from '../../src/logger.js';
import { bundled } from '../helpers/bundled.js';
import { requireRedis, startRedis } from '../helpers/redis-server.js';
import { parseExposition, sampleValue } from '../http/prometheus-parse.js';

const haveRedis = requireRedis();

const TOKEN = 'serve-test-token';
const BASE = '/api/core/admin/system';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('standaloneOptionsFromFlags', () => {
  it('defaults to 127.0.0.1:9100, memory history, 5 s samples, no token', () => {
    expect(standaloneOptionsFromFlags({}, {})).toEqual({
      port: 9100,
      host: '127.0.0.1',
      token: undefined,
      redisUrl: undefined,
      intervalMs: 5000,
    });
  });

  it('takes every flag, and the token from SYSVITALS_ADMIN_TOKEN when no --token is given', () => {
    const flags = { port: '0', host: '0.0.0.0', redis: 'redis://127.0.0.1:6380/2', interval: '1000' };
    expect(standaloneOptionsFromFlags(flags, { SYSVITALS_ADMIN_TOKEN: 'from-env' })).toEqual({
      port: 0,
      host: '0.0.0.0',
      token: 'from-env',
      redisUrl: 'redis://127.0.0.1:6380/2',
      intervalMs: 1000,
    });
    expect(standaloneOptionsFromFlags({ token: 'flag' }, { SYSVITALS_ADMIN_TOKEN: 'env' }).token).toBe(
      'flag',
    );
  });

  it.each([
    [{ port: '65536' }, /--port must be a whole number from 0 to 65535/],
    [{ port: '-1' }, /--port/],
    [{ port: '80.5' }, /--port/],
    [{ port: 'http' }, /--port/],
    [{ interval: '10' }, /--interval must be a whole number from 100/],
    [{ redis: 'localhost:6379' }, /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ token: '' }, /--token needs a value/],
    [
      { 'instance-id': 'web 1' },
      /--instance-id must be 1 to 128 letters, digits or \. _ - : @ \(got "web 1"\)/,
    ],
    [{ 'instance-id': 'a'.repeat(129) }, /--instance-id must be 1 to 128/],
    [{ 'instance-id': 'web/1' }, /--instance-id must be/],
    [{ 'instance-id': 'all' }, /--instance-id cannot be 'all'/],
    [{ 'instance-id': '' }, /--instance-id needs a value/],
  ])('refuses %j with a message naming the flag', (flags, message) => {
    expect(() => standaloneOptionsFromFlags(flags, {})).toThrow(ServeUsageError);
    expect(() => standaloneOptionsFromFlags(flags, {})).toThrow(message);
  });
});

describe('standaloneOptionsFromFlags: --redis and SYSVITALS_REDIS_URL', () => {
  // Outside review 9b, F7: the Redis URL, password included, could only be a flag, shown by `ps` to every local user.
  it('takes the URL from SYSVITALS_REDIS_URL when no --redis is given, the flag first', () => {
    const url = 'redis://default:s3cret@127.0.0.1:6380/2';
    expect(standaloneOptionsFromFlags({}, { SYSVITALS_REDIS_URL: url }).redisUrl).toBe(url);
    expect(standaloneOptionsFromFlags({}, { SYSVITALS_REDIS_URL: '' }).redisUrl).toBeUndefined();
    expect(
      standaloneOptionsFromFlags({ redis: 'redis://flag:6379' }, { SYSVITALS_REDIS_URL: url }).redisUrl,
    ).toBe('redis://flag:6379');
  });

  it('names where a bad URL came from and never shows it', () => {
    const bad = () =>
      standaloneOptionsFromFlags({}, { SYSVITALS_REDIS_URL: 'http://user:s3cret@cache:6379' });
    expect(bad).toThrow(
      'SYSVITALS_REDIS_URL must be a redis:// or rediss:// URL with a host: its scheme is not redis:// or rediss:// (the value is not shown: it may hold a password)',
    );
    expect(() => standaloneOptionsFromFlags({ redis: 'user:s3cret@cache:6379' }, {})).toThrow(
      '--redis must be a redis:// or rediss:// URL with a host: it has no redis:// or rediss:// scheme',
    );
  });
});

describe('standaloneOptionsFromFlags: --instance-id and SYSVITALS_INSTANCE_ID', () => {
  it('takes the flag, else the variable (an empty one is unset), the flag first', () => {
    expect(standaloneOptionsFromFlags({ 'instance-id': 'web-1' }, {}).instanceId).toBe('web-1');
    expect(standaloneOptionsFromFlags({}, { SYSVITALS_INSTANCE_ID: 'host.example:api@2' }).instanceId).toBe(
      'host.example:api@2',
    );
    expect(standaloneOptionsFromFlags({}, { SYSVITALS_INSTANCE_ID: '' }).instanceId).toBeUndefined();
    expect(
      standaloneOptionsFromFlags({ 'instance-id': 'flag' }, { SYSVITALS_INSTANCE_ID: 'env' }).instanceId,
    ).toBe('flag');
    expect(standaloneOptionsFromFlags({ 'instance-id': 'a'.repeat(128) }, {}).instanceId).toHaveLength(128);
  });

  it('refuses a bad variable naming the variable', () => {
    expect(() => standaloneOptionsFromFlags({}, { SYSVITALS_INSTANCE_ID: 'web 1' })).toThrow(
      /^SYSVITALS_INSTANCE_ID must be 1 to 128 letters/,
    );
  });
});

describe('startStandalone', () => {
  let app: Standalone | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves the admin API, the Prometheus endpoint and a redirect to the dashboard', async () => {
    app = await startStandalone({ port: 0, token: TOKEN, intervalMs: 60_000, logger: silentLogger });
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(app.urls).toEqual({
      dashboard: `${app.url}${BASE}/dashboard/`,
      api: `${app.url}${BASE}/metrics/`,
      prometheus: `${app.url}/metrics`,
    });

    const metrics = await fetch(app.urls.api, { headers: auth });
    expect(metrics.status).toBe(200);
    const body = (await metrics.json()) as { success: boolean; data: { cpu: { core_count: number } } };
    expect(body.success).toBe(true);
    expect(body.data.cpu.core_count).toBeGreaterThan(0);

    for (const path of ['/metrics', `${BASE}/metrics/prometheus`]) {
      const res = await fetch(app.url + path, { headers: auth });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(sampleValue(parseExposition(await res.text()), 'sysvitals_memory_total_bytes')).toBeGreaterThan(
        0,
      );
    }

    const root = await fetch(`${app.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe(`${BASE}/dashboard/`);

    const missing = await fetch(`${app.url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { success: boolean }).success).toBe(false);
  });

  it('requires the token on every data endpoint, /metrics included', async () => {
    app = await startStandalone({ port: 0, token: TOKEN, intervalMs: 60_000, logger: silentLogger });
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(app.urls.api)).status).toBe(401);
    expect((await fetch(app.urls.api, { headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
  });

  it('serves loopback clients without a token', async () => {
    app = await startStandalone({ port: 0, intervalMs: 60_000, logger: silentLogger });
    expect((await fetch(app.urls.api)).status).toBe(200);
  });

  it('closes promptly with an open live stream, and close() is idempotent', async () => {
    app = await startStandalone({ port: 0, token: TOKEN, intervalMs: 60_000, logger: silentLogger });
    const stream = await fetch(`${app.url}${BASE}/stream/`, { headers: auth });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read(); // the stream is open and flowing
    await Promise.all([app.close(), app.close()]);
    expect(app.server.listening).toBe(false);
    expect(app.monitor.closed).toBe(true);
    // The client sees its stream end (or the connection cut), whatever was still buffered.
    let ended = false;
    for (let i = 0; i < 100 && !ended; i++)
      ended = await reader.read().then(
        (r) => r.done,
        () => true,
      );
    expect(ended).toBe(true);
  });

  it('rejects a port in use, and a bad option, without leaving a monitor running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startStandalone({ port, logger: silentLogger })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      blocker.close();
    }
    await expect(startStandalone({ port: 70_000 })).rejects.toThrow(SysvitalsError);
  });
});

// The CLI as users run it: src/cli/cli.ts bundled (as the published bin is), started by node itself, so that signals
// reach the CLI.
function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [bundled('cli'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exit,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** The process's command line as `ps` shows it to any local user. */
function psArgs(pid: number): string {
  return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('sysvitals serve (CLI)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  async function started(args: string[], env?: NodeJS.ProcessEnv) {
    const run = runCli(['serve', '--port', '0', ...args], env);
    children.push(run.child);
    const url = await within(
      (async () => {
        for (;;) {
          const m = /serving this host on (http:\/\/\S+)/.exec(run.stdout);
          if (m && run.stdout.includes('Ctrl-C')) return m[1] as string;
          if (run.child.exitCode !== null) throw new Error(`serve exited: ${run.stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      15_000,
      'serve startup',
    );
    return { ...run, url, run };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'serves the API with the token, prints its URLs, and exits 0 on %s',
    async (signal) => {
      const s = await started(['--token', TOKEN, '--interval', '60000']);
      expect(s.run.stdout).toContain(`Prometheus  ${s.url}/metrics`);
      expect(s.run.stdout).toContain(`dashboard   ${s.url}${BASE}/dashboard/`);
      expect(s.run.stdout).toMatch(/auth\s+bearer token required/);
      const res = await fetch(`${s.url}${BASE}/health/`, { headers: auth });
      // serve reads the real host: on a machine busy enough for a red status, health/ answers 503 (as specified).
      const health = (await res.json()) as { data: { status: string } };
      expect(res.status).toBe(health.data.status === 'red' ? 503 : 200);
      expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
      s.child.kill(signal);
      expect(await within(s.exit, 10_000, `exit after ${signal}`)).toBe(0);
      expect(s.run.stdout).toContain('stopped');
    },
  );

  it('takes the token from SYSVITALS_ADMIN_TOKEN and says so', async () => {
    const s = await started([], { SYSVITALS_ADMIN_TOKEN: TOKEN });
    expect((await fetch(`${s.url}/metrics`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    // The oracle is ps itself: the variable keeps the token out of the process list, and nothing is warned.
    expect(psArgs(s.child.pid as number)).not.toContain(TOKEN);
    s.child.kill('SIGINT');
    expect(await within(s.exit, 10_000, 'exit')).toBe(0);
    expect(s.run.stderr).not.toMatch(/visible to other users/);
  });

  it('warns once on stderr that --token is in ps, naming SYSVITALS_ADMIN_TOKEN (outside review 11, F9)', async () => {
    const s = await started(['--token', TOKEN, '--interval', '60000']);
    // What the warning is about, seen by ps: the token is in the process's arguments.
    expect(psArgs(s.child.pid as number)).toContain(TOKEN);
    s.child.kill('SIGINT');
    expect(await within(s.exit, 10_000, 'exit')).toBe(0);
    const warnings = s.run.stderr.match(/--token is visible to other users of this machine \(ps\)/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(s.run.stderr).toContain('set SYSVITALS_ADMIN_TOKEN instead');
    expect(s.run.stderr).not.toContain(TOKEN);
  });

  it('documents every flag in --help and exits 0', async () => {
    const run = runCli(['serve', '--help']);
    expect(await within(run.exit, 15_000, 'help')).toBe(0);
    for (const flag of ['--port', '--host', '--token', '--redis', '--instance-id', '--interval', '--help']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toMatch(/loopback/);
  });

  it.each([
    [['--prot', '9100'], /unknown flag '--prot'.*--port/s],
    [['--port', 'abc'], /--port must be a whole number/],
    [['--redis', 'nope'], /--redis must be a redis:\/\//],
    [['--instance-id', 'web 1'], /--instance-id must be 1 to 128 letters/],
    [['extra'], /unexpected argument 'extra'/],
  ])('refuses %j with a clear message and exit code 2', async (args, message) => {
    const run = runCli(['serve', ...args]);
    expect(await within(run.exit, 15_000, 'usage error')).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('sysvitals serve --help');
  });

  /** Waits until the server has taken its first sample (`/startupz` answers 200 from then on). */
  async function sampled(url: string): Promise<void> {
    await within(
      (async () => {
        // A poll's connection error is retried (the clean-clone CI read one ECONNRESET: a kept-alive socket the
        // server closed as fetch reused it); within() still bounds the wait.
        const ok = () =>
          fetch(`${url}/startupz`).then(
            (r) => r.status === 200,
            () => false,
          );
        while (!(await ok())) await new Promise((r) => setTimeout(r, 50));
      })(),
      15_000,
      'first sample',
    );
  }

  async function history(url: string) {
    const res = await fetch(`${url}${BASE}/history/?period=1h`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { instance: string; points: { t: string }[] } }).data;
  }

  it.skipIf(!haveRedis)(
    '--redis keeps the history across a restart under --instance-id or SYSVITALS_INSTANCE_ID; without one it warns with CLI advice',
    async () => {
      const redis = await startRedis();
      try {
        const args = ['--redis', redis.url, '--interval', '100'];
        const life1 = await started([...args, '--instance-id', 'web-1']);
        await sampled(life1.url);
        life1.child.kill('SIGTERM');
        expect(await within(life1.exit, 10_000, 'life 1 stops')).toBe(0); // its last minute is written on close
        expect(life1.run.stderr).not.toMatch(/instanceId|instance-id/);

        // The URL from SYSVITALS_REDIS_URL this time: the same Redis, and not on the command line `ps` shows.
        const life2 = await started(['--interval', '100'], {
          SYSVITALS_INSTANCE_ID: 'web-1',
          SYSVITALS_REDIS_URL: redis.url,
        });
        expect(readFileSync(`/proc/${life2.child.pid}/cmdline`, 'utf8')).not.toContain(redis.url);
        const kept = await history(life2.url);
        expect(kept.instance).toBe('web-1');
        expect(kept.points.length).toBeGreaterThan(0); // life 1's minute, read back by the next life
        life2.child.kill('SIGTERM');
        expect(await within(life2.exit, 10_000, 'life 2 stops')).toBe(0);

        // The control: no id, a series of its own (host:pid), empty, and advice a CLI user can follow.
        const life3 = await started(args);
        const fresh = await history(life3.url);
        expect(fresh.instance).toBe(`${hostname()}:${life3.child.pid}`);
        expect(fresh.points).toEqual([]);
        expect(life3.run.stderr).toContain(
          `sysvitals serve: --redis without --instance-id: this run's history is kept under "${fresh.instance}"`,
        );
        expect(life3.run.stderr).toContain('--instance-id web-1 (or SYSVITALS_INSTANCE_ID=web-1)');
        expect(life3.run.stderr).not.toContain('createMonitor');
        life3.child.kill('SIGTERM');
        expect(await within(life3.exit, 10_000, 'life 3 stops')).toBe(0);
      } finally {
        await redis.stop();
      }
    },
  );

  it('exits 1 with the reason when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = runCli(['serve', '--port', String(port)]);
      expect(await within(run.exit, 15_000, 'port in use')).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      blocker.close();
    }
  });
});
