// Outside review 27, RT27-4: a plugin named `__proto__` became the prototype of `plugins` (absent from metrics/,
// health and Prometheus while a rule on it fired). It is refused at setup; names that are Object.prototype
// members (`constructor`, `toString`, `hasOwnProperty`) are own keys of a group map without a prototype.
import { afterEach, describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../src/http/prometheus/render.js';
import { createMonitor, type SystemMonitor } from '../../src/monitor.js';

const silent = { warn() {}, error() {} };
const monitors: SystemMonitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.close();
});

describe('collector plugin names that are Object.prototype members', () => {
  it('refuses `__proto__` at setup with the coded error other unusable names get', () => {
    let code: string | undefined;
    try {
      createMonitor({ logger: silent, collectors: [{ name: '__proto__', collect: () => ({ depth: 99 }) }] });
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).toBe('ERR_SYSVITALS_INVALID_OPTION');
  });

  it('keeps `constructor`, `toString` and `hasOwnProperty` as own groups in metrics, health and Prometheus', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty'];
    const m = createMonitor({
      sampleIntervalMs: 0,
      logger: silent,
      collectors: names.map((name, i) => ({
        name,
        collect: () => ({ depth: i + 1 }),
        status: () => 'critical',
      })),
    });
    monitors.push(m);
    const s = await m.sample();
    const plugins = s.plugins as Record<string, unknown>;
    // Nothing is inherited: a name no plugin has reads undefined, whatever Object.prototype holds.
    expect(Object.getPrototypeOf(plugins)).toBe(null);
    expect(Object.keys(plugins)).toEqual(names);
    expect(plugins.valueOf).toBeUndefined();
    expect(JSON.parse(JSON.stringify(plugins))).toEqual({
      constructor: { depth: 1, status: 'critical' },
      toString: { depth: 2, status: 'critical' },
      hasOwnProperty: { depth: 3, status: 'critical' },
    });
    const health = m.alertSystem.getHealthStatus(s);
    for (const name of names) expect(health.components[`plugins.${name}`]).toBe('critical');
    const text = renderPrometheus({ snapshot: s });
    for (const [i, name] of names.entries()) {
      expect(text).toContain(`sysvitals_plugin_up{plugin="${name}"} 1`);
      expect(text).toContain(`sysvitals_plugin_${name}_depth ${i + 1}`);
    }
    // A read between samples (the last sample's groups, copied) keeps them too.
    const read = (await m.getMetrics()).plugins as Record<string, unknown>;
    expect(Object.getPrototypeOf(read)).toBe(null);
    expect(Object.keys(read)).toEqual(names);
  });
});
