// A callback gauge with no reading yet reads `value: null` with no series and no Prometheus sample line in one
// process (docs/sampling.md, "Reads change nothing"). The cluster's labelled one read `value: 0` instead (its sum over the
// workers had nothing to tell "no reading" from "a reading of no label set"); each worker now reports that it has
// none. Real node:cluster processes (2 workers, fixture GAUGE_UNREAD=1: callbacks that only throw); the oracle is
// each worker's own view (`instance=<worker>`: the process's registry, as in single-process mode).
// Then one worker reads (fixture GAUGE_READER: a file naming its pid) and is SIGKILLed: the cluster read 0 for the
// label set only it had read (a fake measurement: nobody alive measures it); it now reads as the survivor does.

import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregatorPid, BASE, get, getJson, metricsOf, signalPid, until, useCluster } from './helpers.js';

const READER = join(tmpdir(), `sysvitals-gauge-reader-${process.pid}-${Date.now()}`);

const NAMES = ['unread_labelled', 'unread_one'];

/** The Prometheus lines of the gauges (HELP, TYPE and any sample). */
const promLines = (text: string) =>
  text.split('\n').filter((l) => NAMES.some((n) => l.includes(`sysvitals_${n}`)));

describe('node:cluster: a callback gauge no worker has a reading of', () => {
  const c = useCluster({ GAUGE_UNREAD: '1', GAUGE_READER: READER, CLUSTER_BYTES: '0' }, 2);
  afterAll(() => rmSync(READER, { force: true }));

  it('reads null with no series and no sample line, labelled or not, as each worker reads its own', async () => {
    // Guard: both workers reported (their definitions reached the cluster) and sampled.
    const m = await until(async () => {
      const r = await metricsOf(c.port);
      return r.cluster.workers_connected === 2 && NAMES.every((n) => r.custom[n]) && r;
    }, 30_000);
    for (const pid of c.pids) {
      const one = (await getJson(c.port, `${BASE}/metrics?instance=${pid}`)).data.data;
      for (const n of NAMES) {
        expect(one.custom[n].value, `${n} on ${pid}`).toBeNull();
        expect(m.custom[n].value, `${n} on the cluster`).toBe(one.custom[n].value);
        expect(m.custom[n].series, n).toEqual(one.custom[n].series);
      }
    }
    const scrape = promLines(
      (await until(() => get(c.port, `${BASE}/metrics/prometheus`, 2000), 30_000)).body,
    );
    expect(scrape).toEqual(
      NAMES.flatMap((n) => [`# HELP sysvitals_${n} No reading yet.`, `# TYPE sysvitals_${n} gauge`]),
    );
  }, 60_000);

  it("reads as the surviving worker does once the only worker that read it is SIGKILLed: no 0 for a dead worker's set", async () => {
    const before = await metricsOf(c.port);
    // The reader: the worker that is not the aggregator (its death is then no takeover).
    const aggregator = aggregatorPid(before.cluster);
    const reader = c.pids.find((p) => p !== aggregator) as number;
    const survivor = c.pids.find((p) => p !== reader) as number;
    writeFileSync(READER, String(reader));
    // Guard: the reader's reading reached the cluster (B alone reads `a` = 3).
    await until(async () => {
      const m = await metricsOf(c.port);
      return m.custom.unread_labelled?.value === 3 && m.custom.unread_one?.value === 3;
    }, 30_000);
    signalPid(reader, 'SIGKILL');
    const m = await until(async () => {
      const r = await metricsOf(c.port);
      return r.cluster.workers_connected === 1 && r;
    }, 30_000);
    // The primary may still hand a new connection to the killed worker (its exit not yet processed while the
    // aggregator already counts one worker): such a connection is never answered, so these reads are retried
    // (a clean-clone CI run timed out on one).
    const one = (await until(() => getJson(c.port, `${BASE}/metrics?instance=${survivor}`, 2000), 30_000))
      .data.data;
    for (const n of NAMES) {
      expect(one.custom[n].value, `${n} on the survivor`).toBeNull();
      expect(m.custom[n].value, `${n} on the cluster`).toBe(one.custom[n].value);
      expect(m.custom[n].series, n).toEqual(one.custom[n].series);
    }
    const scrape = promLines(
      (await until(() => get(c.port, `${BASE}/metrics/prometheus`, 2000), 30_000)).body,
    );
    expect(scrape).toEqual(
      NAMES.flatMap((n) => [`# HELP sysvitals_${n} No reading yet.`, `# TYPE sysvitals_${n} gauge`]),
    );
  }, 60_000);
});
