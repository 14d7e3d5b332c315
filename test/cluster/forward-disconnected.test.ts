// A read of one worker (`instance=<pid or id>`) whose connection to the aggregator dropped (a loaded machine: its
// watchdog gave up, it reconnects) is `unavailable` (the admin API's 503, Retry-After), asked by pid as by id; it
// was `not_found` (404 "no worker") by pid, which told a client polling a worker that it does not exist. The real
// WorkerTable and forward.ts; the oracle is the documented code for a known worker that is not connected.

import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src/cluster/forward.js';
import { clusterHistory, forward } from '../../src/cluster/forward.js';
import { RemoteError } from '../../src/cluster/peer.js';
import { newEntry, WorkerTable } from '../../src/cluster/workers.js';
import { SysvitalsError } from '../../src/errors.js';

function view(): ClusterView {
  const workers = new WorkerTable(() => 10_000);
  workers.set(newEntry('self', 100, 0, { self: true }));
  // Connected once (its hello), its connection since closed (goneAt set), not retired.
  workers.set(newEntry('w-gone', 4242, 0, { goneAt: 9_000 }));
  const monitor = {
    instanceId: 'cluster-c',
    // The cluster's store knows no instance of that name: getHistory()'s typo error, as readHistory throws it.
    getHistory: async () => {
      throw new SysvitalsError('ERR_SYSVITALS_INVALID_OPTION', 'no history of that instance');
    },
  };
  return { workers, monitor, options: { name: 'c', self: { id: 'self' } } } as unknown as ClusterView;
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    (err: unknown) => (err instanceof RemoteError ? err.code : `not a RemoteError: ${String(err)}`),
  );

describe('a forwarded read of a worker that is not connected', () => {
  it('is unavailable by pid as by id, for history/ and every other instance read', async () => {
    const v = view();
    for (const key of ['4242', 'w-gone']) {
      expect(await codeOf(forward(v, { op: 'capacity' }, key)), key).toBe('unavailable');
      expect(await codeOf(forward(v, { op: 'jobs' }, key)), key).toBe('unavailable');
      const q = { op: 'history', period: '1h', instance: key } as const;
      expect(await codeOf(clusterHistory(v, q, key)), key).toBe('unavailable');
    }
  });

  it('a pid no worker of the cluster had is still not_found', async () => {
    const v = view();
    expect(await codeOf(forward(v, { op: 'capacity' }, '999999'))).toBe('not_found');
    const q = { op: 'history', period: '1h', instance: '999999' } as const;
    expect(await codeOf(clusterHistory(v, q, '999999'))).toBe('not_found');
  });
});
