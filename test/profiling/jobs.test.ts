// Background jobs: monitor.job and @timed({ job: true }) record runs, failures, durations, the last
// success and failure; expectEvery raises job_stale after twice the period (injected clock) and the
// next success clears it; a BullMQ worker against a private redis-server; jobs/ and Prometheus.

import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timed } from '../../src/functions/timing.js';
import { collectPrometheusData } from '../../src/http/prometheus/data.js';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { type RedisServer, requireRedis, startRedis } from '../helpers/redis-server.js';

function clockAt(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

const monitors: SystemMonitor[] = [];
function monitor(clock?: { now(): number }): SystemMonitor {
  const m = createMonitor({ sampleIntervalMs: 0, ...(clock ? { clock } : {}) });
  monitors.push(m);
  return m;
}
afterAll(async () => {
  await Promise.all(monitors.map((m) => m.close()));
});

describe('monitor.job', () => {
  it('records runs, failures with their message, and keeps what the function returns or throws', async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const m = monitor(clock);
    const add = m.job('sum', (a: number, b: number) => a + b);
    const failing = m.job('import', async (n: number) => {
      if (n > 1) throw new Error(`feed ${n} unreachable`);
      return n;
    });
    expect(add(2, 3)).toBe(5);
    expect(await failing(1)).toBe(1);
    clock.t += 1000;
    await expect(failing(2)).rejects.toThrow('feed 2 unreachable');
    const rows = m.jobs.rows();
    const imp = rows.find((r) => r.name === 'import');
    expect(imp).toMatchObject({
      runs: 2,
      failures: 1,
      running: 0,
      last_success: { timestamp: '2026-01-01T00:00:00.000Z' },
      last_failure: { timestamp: '2026-01-01T00:00:01.000Z', error: 'feed 2 unreachable' },
    });
    expect(rows.find((r) => r.name === 'sum')).toMatchObject({ runs: 1, failures: 0, last_failure: null });
  });

  it('a failure without an error has no text, and a thrown non-Error reads as what was thrown (outside review 29, RT29-4)', async () => {
    const m = monitor();
    m.recordJob('manual', 12, true);
    // What a job's call settles with (a sync throw included).
    const settle = (run: () => unknown) =>
      Promise.resolve()
        .then(run)
        .then(
          () => 'resolved',
          (e: unknown) => e,
        );
    expect(await settle(m.job('rejects-nothing', () => Promise.reject()))).toBeUndefined();
    expect(
      await settle(
        m.job('throws-null', () => {
          throw null;
        }),
      ),
    ).toBeNull();
    const thrown = { code: 'E42', detail: 'x', url: 'postgres://app:hunter2@db/app' };
    const withMessage = { message: 'quota exceeded', status: 429 };
    for (const [name, value] of [
      ['throws-object', thrown],
      ['throws-message-object', withMessage],
      ['throws-string', 'disk full'],
    ] as const) {
      expect(
        await settle(
          m.job(name, () => {
            throw value;
          }),
        ),
      ).toBe(value);
    }
    const error = (name: string) => m.jobs.rows().find((r) => r.name === name)?.last_failure?.error;
    // Nothing given: no text (JSON null), never the words "undefined" or "null".
    expect(error('manual')).toBeNull();
    expect(error('rejects-nothing')).toBeNull();
    expect(error('throws-null')).toBeNull();
    // A plain object: its own keys and values on one line, its credentials redacted, never "[object Object]".
    const shown = error('throws-object') ?? '';
    expect(shown).not.toContain('[object Object]');
    for (const part of ['code', 'E42', 'detail', 'postgres://app:']) expect(shown).toContain(part);
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('\n');
    expect(error('throws-message-object')).toBe('quota exceeded');
    expect(error('throws-string')).toBe('disk full');
    // The JSON the endpoint serves keeps the null.
    expect(
      JSON.parse(JSON.stringify(m.jobs.rows())).find((r: { name: string }) => r.name === 'manual')
        .last_failure.error,
    ).toBeNull();
  });

  it('duration percentiles match the exact ones from the raw durations (within HDR precision)', () => {
    const m = monitor();
    const durations = Array.from({ length: 500 }, (_, i) => 1 + ((i * 37) % 499) * 2.5);
    for (const d of durations) m.recordJob('batch', d, false);
    const sorted = [...durations].sort((a, b) => a - b);
    const exact = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
    const row = m.jobs.rows().find((r) => r.name === 'batch');
    expect(row?.runs).toBe(500);
    for (const [p, got] of [
      [50, row?.p50_ms],
      [95, row?.p95_ms],
      [99, row?.p99_ms],
    ] as const) {
      expect(Math.abs((got as number) - exact(p)) / exact(p)).toBeLessThanOrEqual(0.01);
    }
    expect(row?.max_ms).toBe(Math.max(...durations));
    const sum = durations.reduce((a, b) => a + b, 0);
    expect(row?.avg_ms).toBeCloseTo(sum / durations.length, 2);
  });

  it('refuses bad setup with coded errors', () => {
    const m = monitor();
    expect(() => m.job('', () => 1)).toThrow(
      expect.objectContaining({ code: 'ERR_SYSVITALS_INVALID_OPTION' }),
    );
    expect(() => m.job('x', 1 as unknown as () => void)).toThrow(/`fn` must be a function/);
    expect(() => m.job('x', () => 1, { expectEvery: '5 minutes' })).toThrow(/'30s', '5m'/);
    expect(() => m.job('x', () => 1, { expectEvry: '5m' } as never)).toThrow(/Did you mean `expectEvery`/);
  });

  it('expectEvery: job_stale fires after about twice the period without success and clears on the next success', async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const m = monitor(clock);
    let fail = false;
    const run = m.job(
      'digest',
      () => {
        if (fail) throw new Error('smtp down');
      },
      { expectEvery: '5m' },
    );
    const stale = async () => {
      await m.sample();
      return m.alertSystem.getActiveAlerts().filter((a) => a.rule === 'job_stale');
    };
    run();
    clock.t += 10 * 60_000; // exactly 2x: not yet
    expect(await stale()).toEqual([]);
    fail = true;
    expect(() => run()).toThrow('smtp down'); // a failure does not count as a success
    clock.t += 1;
    const alerts = await stale();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ component: 'jobs', severity: 'warning', threshold: 600 });
    expect(alerts[0]?.message).toContain('digest');
    expect(m.jobs.rows()[0]?.stale).toBe(true);
    fail = false;
    run();
    expect(await stale()).toEqual([]);
    const history = m.alertSystem.getAlertHistory().filter((h) => h.rule === 'job_stale');
    expect(history.map((h) => `${h.rule}:${h.event}`)).toEqual(['job_stale:cleared', 'job_stale:raised']);
  });

  it('a job that has not finished a run has null duration figures, not 0 ms', async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const m = monitor(clock);
    let release = () => {};
    const run = m.job('import', () => new Promise<void>((r) => (release = r)), { expectEvery: 60_000 });
    const pending = run();
    const row = () => m.jobs.rows().find((j) => j.name === 'import');
    expect(row()).toMatchObject({
      runs: 0,
      running: 1,
      p50_ms: null,
      p95_ms: null,
      p99_ms: null,
      avg_ms: null,
      max_ms: null,
    });
    release();
    await pending;
    // Durations are measured with the real monotonic clock: one run, so p50 = max = avg, a number.
    const done = row()!;
    expect(done).toMatchObject({ runs: 1, running: 0 });
    expect(done.max_ms).toBeGreaterThan(0);
    expect([done.p50_ms, done.avg_ms]).toEqual([done.max_ms, done.max_ms]);
  });

  it('counts from registration when the job never succeeded', async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const m = monitor(clock);
    m.job('never', () => undefined, { expectEvery: 60_000 });
    clock.t += 120_001;
    await m.sample();
    // The host rules read this machine (a busy CPU may alert too): only the job's alert is ours.
    expect(m.alertSystem.getActiveAlerts().filter((a) => a.component === 'jobs')).toEqual([
      expect.objectContaining({ rule: 'job_stale', message: expect.stringContaining('never') }),
    ]);
  });
});

describe('@timed({ job: true })', () => {
  it('records the method as a job on the monitor given', async () => {
    const m = monitor();
    class Nightly {
      @timed({ job: true, monitor: m })
      async rebuild(ok: boolean): Promise<string> {
        if (!ok) throw new TypeError('index locked');
        return 'done';
      }
    }
    const n = new Nightly();
    expect(await n.rebuild(true)).toBe('done');
    await expect(n.rebuild(false)).rejects.toThrow('index locked');
    expect(m.jobs.rows()).toEqual([
      expect.objectContaining({
        name: 'Nightly.rebuild',
        runs: 2,
        failures: 1,
        last_failure: expect.objectContaining({ error: 'index locked' }),
      }),
    ]);
    // Not a function call as well.
    expect(m.functions.snapshot()['Nightly.rebuild']).toBeUndefined();
  });
});

describe('jobs in Prometheus', () => {
  it('exports runs, failures, durations and last success/failure times', async () => {
    const clock = clockAt(Date.UTC(2026, 0, 1));
    const m = monitor(clock);
    const j = m.job('sync "crm"', () => 1);
    j();
    j();
    m.recordJob('sync "crm"', 12, true, new Error('x'));
    const text = renderPrometheus(await collectPrometheusData(m));
    expect(text).toContain('sysvitals_job_runs_total{job="sync \\"crm\\""} 3');
    expect(text).toContain('sysvitals_job_failures_total{job="sync \\"crm\\""} 1');
    expect(text).toContain('sysvitals_job_duration_seconds_count{job="sync \\"crm\\""} 3');
    expect(text).toContain(
      `sysvitals_job_last_success_timestamp_seconds{job="sync \\"crm\\""} ${clock.t / 1000}`,
    );
  });
});

describe.skipIf(!requireRedis())(
  'a BullMQ worker recorded through monitor.job (private redis-server)',
  () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('records each processed job, failures with their message', async () => {
      const m = monitor();
      const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
      const queue = new Queue('sv15-mail', { connection });
      const events = new QueueEvents('sv15-mail', { connection });
      await events.waitUntilReady();
      const worker = new Worker(
        'sv15-mail',
        m.job('send-mail', async (job: { data: { to: string } }) => {
          if (job.data.to === 'bounce') throw new Error('mailbox full');
          return `sent to ${job.data.to}`;
        }),
        { connection },
      );
      try {
        const jobs = await queue.addBulk(['a', 'bounce', 'b'].map((to) => ({ name: 'mail', data: { to } })));
        const results = await Promise.allSettled(jobs.map((job) => job.waitUntilFinished(events, 10_000)));
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(m.jobs.rows()).toEqual([
          expect.objectContaining({
            name: 'send-mail',
            runs: 3,
            failures: 1,
            running: 0,
            last_failure: expect.objectContaining({ error: 'mailbox full' }),
          }),
        ]);
      } finally {
        await worker.close();
        await events.close();
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });
  },
);
