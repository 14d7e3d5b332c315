// Recording calls given what a plain-JS caller passes by mistake (a header value is a string, a size may be
// a bigint, a label value's toString may throw): never a throw, never a corrupted total; each one ignored and
// counted, against a model that sums only the valid amounts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Counter } from '../../src/custom/counter.js';
import { Gauge } from '../../src/custom/gauge.js';
import { CustomHistogram } from '../../src/custom/histogram.js';
import { CustomMetrics } from '../../src/custom/registry.js';
import { assertProperty } from '../helpers/property.js';

// Plain JS: the recording methods as a caller without TypeScript sees them.
type Loose = (...args: unknown[]) => void;
const loose = (f: unknown) => f as Loose;
const throwing = {
  toString() {
    throw new Error('toString boom');
  },
};

describe('recording a bad amount (outside review F6)', () => {
  it('a string amount is ignored and counted, not concatenated into the total (was "001002501", +Inf)', () => {
    const reg = new CustomMetrics();
    const bytes = reg.counter('upload_bytes', { labels: ['route'] });
    for (const header of ['100', '250', '1']) loose(bytes.inc.bind(bytes))({ route: '/upload' }, header);
    bytes.inc({ route: '/upload' }, 7);
    const s = bytes.snapshot(0);
    expect(s.value).toBe(7);
    expect(typeof s.series[0]?.value).toBe('number');
    expect(reg.droppedValues()).toBe(3);
  });

  it('an unlabelled string amount is not taken as a label set (c.inc("2") counted 1)', () => {
    const c = new Counter('c');
    loose(c.inc.bind(c))('2');
    c.inc(3);
    expect(c.snapshot(0).value).toBe(3);
    expect(c.dropped).toBe(1);
  });

  it('gauges and histograms treat the same mistakes the same way', () => {
    const g = new Gauge('g');
    const h = new CustomHistogram('h', { labels: ['l'] }, 60_000);
    for (const bad of ['1', 5n, null, Number.NaN]) {
      loose(g.inc.bind(g))(bad);
      loose(g.set.bind(g))(bad);
      loose(h.observe.bind(h))({ l: 'x' }, bad);
    }
    g.set(4);
    expect(g.snapshot().value).toBe(4);
    expect(g.dropped).toBe(8);
    expect(h.dropped).toBe(4);
  });

  it('a label value whose toString throws, and a bigint observe, do not throw into the caller', () => {
    const c = new Counter('c', { labels: ['l'] });
    const h = new CustomHistogram('h', { labels: ['l'] }, 60_000);
    expect(() => c.inc({ l: throwing as unknown as string })).not.toThrow();
    expect(() => loose(h.observe.bind(h))({ l: 'x' }, 5n)).not.toThrow();
    expect(() => c.labels({ l: throwing as unknown as string }).inc()).not.toThrow();
    // The unreadable value's set folds into `other`, as an over-long value does: the count is kept.
    expect(c.snapshot(0).series).toEqual([{ labels: { l: 'other' }, value: 2, rate_per_second: null }]);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('getter boom');
        },
      },
    );
    expect(() => c.inc(hostile)).not.toThrow();
    expect(c.dropped).toBe(1);
  });
});

/** One recording call: its arguments, and the amount the model adds (null when it must be ignored). */
interface Call {
  args: unknown[];
  valid: number | null;
}

const goodAmount = fc.integer({ min: 0, max: 1_000_000 });
const badAmount = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.constantFrom<unknown>(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    null,
    true,
    5n,
    '',
    '1e3',
    [],
  ),
  fc.integer({ min: -1000, max: -1 }),
);
const labelValue = fc.oneof(fc.constantFrom<unknown>('a', 'b', 3, throwing), fc.string({ maxLength: 3 }));

const counterCall: fc.Arbitrary<Call> = fc.oneof(
  fc.constant<Call>({ args: [], valid: 1 }),
  goodAmount.map((n) => ({ args: [n], valid: n })),
  badAmount.map((b) => ({ args: [b], valid: null })),
  fc.tuple(labelValue, goodAmount).map(([l, n]) => ({ args: [{ l }, n], valid: n })),
  fc.tuple(labelValue, badAmount).map(([l, b]) => ({ args: [{ l }, b], valid: null })),
  labelValue.map((l) => ({ args: [{ l }], valid: 1 })),
);

describe('recording calls with mixed bad inputs (property, fixed seeds)', () => {
  it('a counter equals the exact sum of the valid amounts; every other call is counted as dropped', async () => {
    await assertProperty(
      fc.property(fc.array(counterCall, { maxLength: 200 }), (calls) => {
        const c = new Counter('c', { labels: ['l'] });
        let sum = 0;
        let dropped = 0;
        for (const call of calls) {
          loose(c.inc.bind(c))(...call.args);
          if (call.valid === null) dropped++;
          else sum += call.valid;
        }
        const s = c.snapshot(0);
        expect(s.value).toBe(sum);
        expect(s.series.reduce((a, x) => a + x.value, 0)).toBe(sum);
        for (const x of s.series) expect(Number.isFinite(x.value)).toBe(true);
        expect(c.dropped).toBe(dropped);
      }),
      { numRuns: 300 },
    );
  });

  it('a gauge and a histogram follow the valid calls only', async () => {
    const gaugeCall = fc.oneof(
      fc.tuple(fc.constantFrom('set', 'inc', 'dec'), goodAmount).map(([op, n]) => ({ op, n, ok: true })),
      fc
        .tuple(
          fc.constantFrom('set', 'inc', 'dec'),
          badAmount.filter((b) => typeof b !== 'number' || !Number.isFinite(b)),
        )
        .map(([op, n]) => ({ op, n: n as unknown, ok: false })),
    );
    await assertProperty(
      fc.property(fc.array(gaugeCall, { maxLength: 100 }), (calls) => {
        const g = new Gauge('g', { labels: ['l'] });
        const h = new CustomHistogram('h', { labels: ['l'] }, 60_000);
        let model = 0;
        let valid = 0;
        for (const { op, n, ok } of calls) {
          loose((g as unknown as Record<string, unknown>)[op]).call(g, { l: 'x' }, n);
          loose(h.observe.bind(h))({ l: 'x' }, n);
          if (!ok) continue;
          valid++;
          const v = n as number;
          model = op === 'set' ? v : op === 'inc' ? model + v : model - v;
        }
        expect(g.snapshot().value).toBe(model);
        expect(h.snapshot(0).count_total).toBe(valid);
        expect(g.dropped + h.dropped).toBe(2 * (calls.length - valid));
      }),
      { numRuns: 200 },
    );
  });
});
