// Outside review N3: a run SIGKILLed early left `<hash>.lock` with mode 0755 (what bind gives under umask 022),
// not 0600: the lock was bound at its own path and chmod'ed after, so a candidate killed between the two left a
// lock with the wrong mode. Now the socket is bound at a temporary name, made 0600, and linked to the lock path:
// at the chmod (the point where a kill left that lock) the lock path does not exist yet. Real sockets; node:fs's
// chmodSync is wrapped to look at the directory at the moment it is called.

import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const seen: Array<{ path: string; lockMode: number | null }> = [];
let watched: string | null = null;

vi.mock('node:fs', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs')>();
  const chmodSync: typeof orig.chmodSync = (path, mode) => {
    if (watched !== null) {
      let lockMode: number | null = null;
      try {
        lockMode = orig.lstatSync(watched).mode & 0o777;
      } catch {
        // Not there.
      }
      seen.push({ path: String(path), lockMode });
    }
    orig.chmodSync(path, mode);
  };
  return { ...orig, chmodSync, default: { ...orig, chmodSync } };
});

const { clusterEndpoint, tryLead } = await import('../../src/cluster/endpoint.js');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the cluster lock file (outside review N3)', () => {
  it.runIf(process.platform !== 'win32')(
    'never exists with the mode bind gave it: a candidate killed before its chmod leaves no lock',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'sv-lockmode-'));
      dirs.push(root);
      const ep = clusterEndpoint('lock-mode', join(root, 'sock'));
      watched = ep.lockPath;
      const leadership = await tryLead(ep, createServer());
      watched = null;
      try {
        expect(leadership).not.toBeNull();
        // The data socket (bound at a temporary name too since the hung-aggregator takeover) is not the lock.
        const lockChmods = seen.filter((s) => !s.path.startsWith(ep.socketPath));
        expect(lockChmods.length).toBeGreaterThan(0);
        // Before the fix: the lock path itself, already there with 0777 less the umask, when chmod ran.
        for (const s of lockChmods) {
          expect(s.path).not.toBe(ep.lockPath);
          expect(s.lockMode).toBeNull();
        }
        expect(lstatSync(ep.lockPath as string).mode & 0o777).toBe(0o600);
        // The temporary name is gone once the lock is held.
        expect(readdirSync(ep.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      } finally {
        await leadership?.release();
      }
      expect(() => lstatSync(ep.lockPath as string)).toThrow();
    },
  );
});
