import { describe, expect, it, vi } from 'vitest';
import { consoleLine, guarded, OutageLog } from '../src/logger.js';
import type { Logger } from '../src/types.js';

describe('consoleLine', () => {
  it('prefixes once and adds the error text only when the message lacks it', () => {
    expect(consoleLine({ basePath: '/x' }, 'sysvitals: no adminToken configured')).toBe(
      'sysvitals: no adminToken configured',
    );
    expect(consoleLine({ err: 'ECONNREFUSED' }, 'sysvitals: could not write a history point')).toBe(
      'sysvitals: could not write a history point (ECONNREFUSED)',
    );
    expect(consoleLine({ err: 'boom' }, 'sysvitals: cpu is failing: boom')).toBe(
      'sysvitals: cpu is failing: boom',
    );
    expect(consoleLine(new Error('bad'), undefined)).toBe('sysvitals: bad');
  });
});

describe('OutageLog', () => {
  it('logs an outage once when it starts and once when it ends', () => {
    const lines: string[] = [];
    const logger: Logger = {
      warn: (_o, m) => lines.push(`warn ${m}`),
      error: () => {},
      info: (_o, m) => lines.push(`info ${m}`),
    };
    let now = 0;
    const log = new OutageLog(logger, () => now);
    log.failed('redis', new Error('down'));
    log.failed('redis', new Error('down'));
    expect(log.isDown('redis')).toBe(true);
    now = 30_000;
    log.recovered('redis');
    log.recovered('redis');
    expect(lines).toEqual([
      'warn sysvitals: redis is failing: down',
      'info sysvitals: redis recovered after 30s',
    ]);
  });
});

describe('guarded (timer and listener callbacks)', () => {
  it('turns a throw or a rejection into one logged outage, and the next call runs again', async () => {
    const warn = vi.fn();
    const outage = new OutageLog({ warn, error: vi.fn() });
    let mode: 'throw' | 'reject' | 'ok' = 'throw';
    let calls = 0;
    const cb = guarded(outage, 'the sample cycle', () => {
      calls += 1;
      if (mode === 'throw') throw new Error('EMFILE: too many open files');
      if (mode === 'reject') return Promise.reject(new Error('EMFILE again'));
      return Promise.resolve();
    });
    expect(() => cb()).not.toThrow();
    expect(() => cb()).not.toThrow();
    mode = 'reject';
    cb();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toBe(
      'sysvitals: the sample cycle is failing: EMFILE: too many open files',
    );
    mode = 'ok';
    cb();
    await new Promise((r) => setImmediate(r));
    expect(outage.isDown('the sample cycle')).toBe(false);
  });
});
