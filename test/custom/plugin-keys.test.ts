// Outside review 14, F5: a collector plugin's figure keys that sanitise to one Prometheus name (`a-b` and `a_b`,
// nested `m-1` and `m_1`, any two keys beyond ASCII, which all read `_`) gave one series twice in a scrape:
// Prometheus 2.42 keeps the first sample and drops the others silently, a strict parser refuses the scrape. Now a
// character beyond ASCII is spelled by its code point (`é` → `_u00e9_`), and keys that still meet are exposed once,
// the first's in the group's key order, as two plugins that meet are. Oracles: promtool on a real scrape, and every
// sample line's name and labels read from that scrape, none twice. (Keys here are `hits-ok` and `in-flight`:
// promtool's lint reads `b` and `m` in a name as abbreviated units.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitizeNamePart } from '../../src/custom/builtin-families.js';
import { body, open } from '../http/stream-helpers.js';
import { expectPromtoolAccepts, serveMonitor } from './served-monitor.js';

let served: Awaited<ReturnType<typeof serveMonitor>>;
let text: string;

beforeAll(async () => {
  served = await serveMonitor({
    collectors: [
      {
        name: 'pay',
        collect: () => ({
          'hits-ok': 1,
          hits_ok: 2,
          'hits.ok': 3,
          é: 4,
          ü: 5,
          '😀': 6,
          queues: { x: { 'in-flight': 1, in_flight: 2 }, y: { 'in-flight': 3 } },
          q2: { k: { v: 1 } },
          q2_k_v: 9,
          '1st': 7,
        }),
      },
      // Across plugins, as before: `pay`'s `hits_ok` (first) and `pay_hits`'s `ok` meet.
      { name: 'pay_hits', collect: () => ({ ok: 8, errors: 1 }) },
    ],
  });
  await served.monitor.sample();
  text = await body(await open(`${served.base}/metrics/prometheus`));
});

afterAll(() => served.close());

/** Each sample line's series: its name and its labels, as written. */
const seriesOf = (scrape: string) =>
  scrape
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));

describe("a plugin's figure keys that sanitise alike (outside review 14, F5)", () => {
  it('the scrape holds no series twice, and promtool accepts it', () => {
    const series = seriesOf(text);
    const twice = series.filter((s, i) => series.indexOf(s) !== i);
    expect(twice).toEqual([]);
    expect(series.length).toBeGreaterThan(50);
    expectPromtoolAccepts(text);
  });

  it('keys that meet are exposed once, the first in key order; keys beyond ASCII by their code points', async () => {
    const pay = text.split('\n').filter((l) => /^sysvitals_plugin_pay_/.test(l));
    expect(pay).toEqual([
      'sysvitals_plugin_pay_hits_ok 1',
      'sysvitals_plugin_pay__u00e9_ 4',
      'sysvitals_plugin_pay__u00fc_ 5',
      'sysvitals_plugin_pay__u1f600_ 6',
      'sysvitals_plugin_pay_queues_in_flight{key="x"} 1',
      'sysvitals_plugin_pay_queues_in_flight{key="y"} 3',
      'sysvitals_plugin_pay_q2_v{key="k"} 1',
      'sysvitals_plugin_pay_q2_k_v 9',
      'sysvitals_plugin_pay__1st 7',
      'sysvitals_plugin_pay_hits_errors 1',
    ]);
    // The JSON keeps every figure.
    const groups = (await served.monitor.getMetrics()).plugins as Record<string, Record<string, unknown>>;
    expect(groups.pay?.hits_ok).toBe(2);
    expect(groups.pay?.ü).toBe(5);
  });

  it('sanitizeNamePart: ASCII punctuation to `_`, the rest by code point, a leading digit escaped', () => {
    expect(['a-b', 'a.b c', 'é', 'ü', '名前', '😀', '9lives', '', 'ok_1'].map(sanitizeNamePart)).toEqual([
      'a_b',
      'a_b_c',
      '_u00e9_',
      '_u00fc_',
      '_u540d__u524d_',
      '_u1f600_',
      '_9lives',
      '',
      'ok_1',
    ]);
  });
});
