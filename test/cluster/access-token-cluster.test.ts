// Outside review D4: in cluster mode a signed access token (what the dashboard's live stream opens with)
// was accepted only by the worker that minted it: with round-robin every other worker answered 403
// (403, 200, 403, ...). The key is now derived from a secret shared by the cluster's workers (a 0600 file in
// the private 0700 directory). Real node:cluster with 3 workers; the oracle is which pid answered.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, CLUSTER_TEST_TOKEN, get, type Started, startNodeCluster } from './helpers.js';

describe('node:cluster: access tokens work on every worker', () => {
  let c: Started;
  beforeAll(async () => {
    c = await startNodeCluster({ ADMIN_TOKEN: CLUSTER_TEST_TOKEN }, 3);
  }, 120_000);
  afterAll(() => c?.kill()); // teardown: killed, not closed (Started.kill)

  it('a token minted by one worker opens metrics/ and stream/ on all of them; a forged one on none', async () => {
    const minted = await get(c.port, `${BASE}/token/`);
    expect(minted.status).toBe(200);
    const token = (JSON.parse(minted.body) as { data: { token: string } }).data.token;
    const answered = new Set<number>();
    for (let i = 0; i < 6; i++) {
      answered.add((JSON.parse((await anonymous(c.port, '/whoami')).body) as { pid: number }).pid);
    }
    // Consecutive connections go round the workers: 24 in a row reach every one several times.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await anonymous(c.port, `${BASE}/metrics/?access_token=${token}`)).status);
      statuses.push((await anonymous(c.port, `${BASE}/stream/?access_token=${token}`)).status);
    }
    expect(answered.size, 'round-robin reached several workers').toBeGreaterThan(1);
    expect(statuses).toEqual(new Array(24).fill(200));
    // A token signed with another key (one letter of the signature changed) is refused by every worker.
    const forged = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    for (let i = 0; i < 6; i++) {
      expect((await anonymous(c.port, `${BASE}/metrics/?access_token=${forged}`)).status).toBe(403);
    }
    // The shared key: a 0600 file in the 0700 socket directory.
    const sockDir = join(c.dir, 'sock');
    const keys = readdirSync(sockDir).filter((f) => f.endsWith('.key'));
    expect(keys).toHaveLength(1);
    expect(statSync(join(sockDir, keys[0] as string)).mode & 0o777).toBe(0o600);
  }, 60_000);
});

/** A GET without credentials on a new connection; a stream is read up to its headers and closed. */
async function anonymous(port: number, path: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, body: '' });
        res.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}
