// Silences in cluster mode on 4 real node:cluster workers: a silence created through whichever worker
// answers is the cluster's (listed by every worker, applied by the aggregator that delivers the
// alerts), survives a SIGKILLed aggregator with its id, and is expired cluster-wide; the alert it held
// back, still firing, is then sent by the new aggregator. The channels' delivery status (`channels/`) is the
// aggregator's router's, whichever worker answers.

import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  afterTakeover,
  BASE,
  breach,
  CLUSTER_TEST_TOKEN,
  clusterOf,
  getJson,
  killAggregator,
  until,
  useCluster,
} from './helpers.js';
import { type Notified, untilErrorRateFiring, webhookAlertsEnv } from './webhook-alerts.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON documents.
function post(port: number, path: string, body?: unknown): Promise<{ status: number; data: any }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          authorization: `Bearer ${CLUSTER_TEST_TOKEN}`,
        },
      },
      (res) => {
        let out = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          out += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, data: JSON.parse(out) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe('node:cluster silences', () => {
  const c = useCluster<Notified>((url) => webhookAlertsEnv(url, 0), 4, { readyMs: 20_000, setupMs: 60_000 });

  it("channels/ through any worker: the cluster's channels, as its aggregator's router reports them", async () => {
    // The oracle: the worker env's CHANNELS (one webhook) and health/?detailed=true, which the aggregator answers.
    const health = await getJson(c.port, `${BASE}/health?detailed=true`);
    const expected = health.data.data.channels as Array<{ name: string; type: string }>;
    expect(expected.map((ch) => ch.type)).toEqual(['webhook']);
    // Consecutive connections reach the workers in turn (outside review 20, F1: 3 of 4 read no channel).
    for (let i = 0; i < 8; i++) {
      const r = await getJson(c.port, `${BASE}/channels`);
      expect(r.status).toBe(200);
      expect(r.data.data.count).toBe(1);
      expect(r.data.data.channels.map((ch: { name: string; type: string }) => [ch.name, ch.type])).toEqual(
        expected.map((ch) => [ch.name, ch.type]),
      );
    }
  });

  it('a silence made through any worker is listed by all, holds the cluster alert back, and survives a new aggregator', async () => {
    const created = await post(c.port, `${BASE}/silences`, {
      rule: 'error_rate',
      duration_ms: 600_000,
      comment: 'deploy',
    });
    expect(created.status).toBe(201);
    const id = created.data.data.id as string;
    // Consecutive connections reach the workers in turn: every one lists the same silence.
    for (let i = 0; i < 8; i++) {
      const r = await getJson(c.port, `${BASE}/silences`);
      expect(r.data.data.silences.map((s: { id: string }) => s.id)).toEqual([id]);
      expect((await getJson(c.port, `${BASE}/silences/${id}`)).data.data.status).toBe('active');
    }
    // Refused input is a 400 whichever worker relays it.
    for (let i = 0; i < 4; i++) {
      const bad = await post(c.port, `${BASE}/silences`, { rule: 'error_rate' });
      expect(bad.status).toBe(400);
      expect(bad.data.error.message).toContain('needs an end');
    }

    await breach(c.port);
    const record = await until(async () => {
      const r = await getJson(c.port, `${BASE}/alerts?history=true`);
      return r.data.data.alerts.find((a: { rule: string; suppressed?: string }) => a.rule === 'error_rate');
    });
    expect(record.suppressed).toBe('silenced');
    expect(record.suppressed_by).toBe(id);
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.hooks.received.filter((n) => n.alerts?.some((a) => a.rule === 'error_rate'))).toHaveLength(0);

    // The aggregator dies: the next one starts from the ledger, silences included.
    const before = await clusterOf(c.port);
    await killAggregator(c.port, before, 'SIGKILL', 4, 45_000, (m) => afterTakeover(m.cluster));
    for (let i = 0; i < 4; i++) {
      const r = await getJson(c.port, `${BASE}/silences/${id}`);
      expect(r.status).toBe(200);
      expect(r.data.data.status).toBe('active');
    }
    // The new aggregator restored the cluster's active alert from the ledger (same id, not raised again);
    // a continued breach keeps it, still held back by the same silence.
    await breach(c.port);
    await until(async () => {
      const r = await getJson(c.port, `${BASE}/alerts`);
      return r.data.data.alerts.some(
        (a: { rule: string; id: string }) => a.rule === 'error_rate' && a.id === record.id,
      );
    }, 30_000); // a guard: under CI's load the new aggregator's first evaluations can lag
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.hooks.received.filter((n) => n.alerts?.some((a) => a.rule === 'error_rate'))).toHaveLength(0);

    // Expired through any worker: expired for all.
    const expired = await post(c.port, `${BASE}/silences/${id}/expire`);
    expect(expired.status).toBe(200);
    for (let i = 0; i < 4; i++) {
      expect((await getJson(c.port, `${BASE}/silences/${id}`)).data.data.status).toBe('expired');
    }
    // Still firing and nothing holds it back: the new aggregator sends it (outside review F7: it had
    // restored the alert without the router knowing it was firing, and never sent it).
    // A guard, not a timing: the control without a takeover sends within the router's 1 s tick.
    const firing = await untilErrorRateFiring(c, 30_000);
    expect(firing.alerts?.map((a) => a.id)).toEqual([record.id]);
  }, 90_000);
});
