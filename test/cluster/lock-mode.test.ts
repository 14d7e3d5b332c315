// Outside review N3: a run SIGKILLed early left `<hash>.lock` with mode 0755 (what bind gives under umask 022),
// not 0600: the lock was bound at its own path and chmod'ed after, so a candidate killed between the two left a
// lock with the wrong mode. Now the socket is bound at a temporary name, made 0600, and linked to the lock path:
// at the chmod (the point where a kill left that lock) the lock path does not exist yet. Real sockets; node:fs's
// chmodSync is wrapped to look at the directory at the moment it is called.

import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
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

  it.runIf(process.platform !== 'win32')(
    'an election removes the temporary names a dead candidate left, and only those (outside review F6)',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'sv-lockmode-'));
      dirs.push(root);
      const ep = clusterEndpoint('lock-left', join(root, 'sock'));
      const lockPath = ep.lockPath as string;
      // A pid that existed and is gone: a child that ran and exited.
      const deadPid = spawnSync(process.execPath, [
        '-e',
        'process.stdout.write(String(process.pid))',
      ]).stdout.toString();
      const servers: Server[] = [];
      // A socket file no process serves (as a SIGKILLed candidate leaves it), or one `served` at `name`.
      const socketAt = async (name: string, served: boolean) => {
        const bound = join(ep.dir, `bound-${servers.length}`);
        const server = createServer();
        servers.push(server);
        await new Promise<void>((r) => server.listen(bound, r));
        linkSync(bound, name);
        if (!served) await new Promise((r) => server.close(r)); // unlinks `bound`; `name` stays, dead
        return name;
      };
      const deadLock = await socketAt(`${lockPath}.${deadPid}-0a1b2c3d4e5f.tmp`, false);
      const deadSock = await socketAt(`${ep.socketPath}.${deadPid}-0a1b2c3d4e60.tmp`, false);
      const liveOwner = await socketAt(`${lockPath}.${process.ppid}-0a1b2c3d4e61.tmp`, false);
      const served = await socketAt(`${lockPath}.${deadPid}-0a1b2c3d4e62.tmp`, true);
      const leadership = await tryLead(ep, createServer());
      try {
        expect(leadership).not.toBeNull();
        const left = readdirSync(ep.dir).map((f) => join(ep.dir, f));
        expect(left).not.toContain(deadLock);
        expect(left).not.toContain(deadSock);
        expect(left).toContain(liveOwner);
        expect(left).toContain(served);
      } finally {
        await leadership?.release();
        for (const s of servers) s.close();
      }
    },
  );
});
