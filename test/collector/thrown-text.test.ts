// Outside review 30 (RT30-6, RT30-7): what sysvitals shows of a thrown value that is not an Error. A collector
// plugin's failure read `[object Object]`, `null` or `undefined` in its group and `unknown_reasons`; a job's thrown
// object went through util.inspect with no bound on its keys. The oracle is the thrown value itself: its own keys and
// values appear, its credentials do not, and nothing is read beyond the keys shown.

import { afterEach, describe, expect, it } from 'vitest';
import { thrownText } from '../../src/channels/thrown-text.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';
import { errorText } from '../../src/profiling/job-error.js';

const monitors: SystemMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

async function pluginFailure(thrown: () => unknown): Promise<{ group?: string; reason?: string }> {
  const monitor = createMonitor({
    sampleIntervalMs: 0,
    logger: silentLogger,
    procRoot: '/nonexistent-proc',
    collectors: [{ name: 'dep', collect: thrown as () => Record<string, unknown> }],
  });
  monitors.push(monitor);
  const snapshot = await monitor.sample();
  const health = await monitor.getHealth();
  return {
    group: (snapshot.plugins?.dep as { error?: string } | undefined)?.error,
    reason: health.unknown_reasons?.['plugins.dep'],
  };
}

describe('the text of a thrown value', () => {
  it("a plugin's thrown object, null or undefined reads as what was thrown, never [object Object]", async () => {
    const object = await pluginFailure(() => {
      throw { code: 'EDEP', password: 'hunter2', host: 'db.internal' };
    });
    expect(object.group).toBe(object.reason);
    for (const part of ['code', 'EDEP', 'host', 'db.internal', 'password'])
      expect(object.group).toContain(part);
    expect(object.group).not.toContain('hunter2');
    expect(object.group).not.toContain('[object Object]');
    // Nothing given: a failure still, named as such (an empty text would not count as a failed collector).
    const nothing = await pluginFailure(() => Promise.reject());
    expect(nothing.reason).toBe('no error given (undefined)');
    const nul = await pluginFailure(() => {
      throw null;
    });
    expect(nul.reason).toBe('no error given (null)');
    // An object without a prototype made String() throw inside the failure path.
    const bare = await pluginFailure(() => {
      throw Object.assign(Object.create(null), { code: 'EBARE' });
    });
    expect(bare.reason).toContain('EBARE');
  });

  it('renders at most 8 keys, reads no getter and touches only the keys it shows (a Proxy counts the reads)', () => {
    const target: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) target[`k${i}`] = i;
    const reads: string[] = [];
    const proxy = new Proxy(target, {
      getOwnPropertyDescriptor(t, k) {
        reads.push(String(k));
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
      get(t, k, r) {
        reads.push(String(k));
        return Reflect.get(t, k, r);
      },
    });
    const text = thrownText(proxy);
    expect(text).toBe('{ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, … }');
    expect(new Set(reads).size).toBeLessThanOrEqual(12);
    let called = false;
    const withGetter = {
      code: 1,
      get secret() {
        called = true;
        return 'x';
      },
    };
    expect(thrownText(withGetter)).toBe('{ code: 1, secret: [Getter] }');
    expect(called).toBe(false);
    // A Proxy whose traps throw, or a revoked one: a text, never a throw.
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(thrownText(revoked)).toBe('unknown error');
  });

  it("an Error's message, a string as it is, an object's own message; jobs keep '' for nothing given", () => {
    expect(thrownText(new TypeError('bad'))).toBe('bad');
    expect(thrownText('disk full')).toBe('disk full');
    expect(thrownText({ message: 'quota', status: 429 })).toBe('quota');
    expect(thrownText([1, 'a\nb', null])).toBe("[ 1, 'a b', null ]");
    expect(
      thrownText(
        new (class Failure {
          code = 'E1';
        })(),
      ),
    ).toBe("Failure { code: 'E1' }");
    expect(errorText(undefined)).toBe('');
    expect(errorText({ url: 'postgres://app:hunter2@db/app' })).not.toContain('hunter2');
    expect(errorText({ long: 'x'.repeat(10_000) }).length).toBeLessThanOrEqual(200);
  });
});
