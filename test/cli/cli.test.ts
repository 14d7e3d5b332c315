// The CLI as users run it: a child process (src/cli/cli.ts bundled, as the published bin is), checked by exit code,
// stdout and stderr.

import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundled } from '../helpers/bundled.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOST_FIXTURE = fileURLToPath(new URL('../fixtures/proc/host', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundled('cli'), ...args],
      { cwd: ROOT, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('sysvitals CLI', () => {
  it('--help and -h explain the commands on stdout', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: sysvitals <command>/);
      expect(r.stdout).toMatch(/collect\s+Print one metrics snapshot/);
      expect(r.stderr).toBe('');
    }
  });

  it('--version prints the package version', async () => {
    const r = await cli('--version');
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it('without a command shows the help on stderr and exits 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: sysvitals <command>/);
    expect(r.stdout).toBe('');
  });

  it('collect prints one snapshot as compact JSON', async () => {
    const r = await cli('collect', '--sample-ms', '0', '--proc-root', HOST_FIXTURE);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['timestamp', 'cpu', 'memory', 'disk', 'network']));
    expect(s.memory.total_gb).toBe(23.59); // MemTotal 24731708 kB in the captured meminfo
    expect(s.cpu.core_count).toBe(2);
  });

  it('collect exits 1 when every host group failed (a wrong --proc-root), still printing the snapshot', async () => {
    const r = await cli('collect', '--sample-ms', '0', '--proc-root', '/nonexistent');
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    for (const group of ['cpu', 'memory', 'disk', 'network']) {
      expect(s[group].status, group).toBe('unknown');
      expect(s[group].error, group).toMatch(/^ENOENT: no such file or directory, open '\/nonexistent\//);
    }
    expect(r.stderr).toContain(
      'sysvitals collect: every host metric group failed (cpu, memory, disk, network): is /nonexistent a procfs?',
    );
  });

  it('collect exits 0 when only some host groups failed: the gaps are in the snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysvitals-proc-'));
    try {
      copyFileSync(join(HOST_FIXTURE, 'meminfo'), join(dir, 'meminfo')); // memory only
      const r = await cli('collect', '--sample-ms', '0', '--proc-root', dir);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.memory.total_gb).toBe(23.59);
      expect(s.memory.error).toBeUndefined();
      for (const group of ['cpu', 'disk', 'network']) expect(s[group].error, group).toMatch(/^ENOENT/);
      expect(r.stderr).not.toContain('every host metric group failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('collect --sys-root: a host’s network totals are its physical interfaces (outside review 25, F9)', async () => {
    // A Docker host's /proc/net/dev: 5000 bytes in on eth0, the same bytes again on docker0 (lo never counts).
    const proc = mkdtempSync(join(tmpdir(), 'sysvitals-proc-'));
    const sys = mkdtempSync(join(tmpdir(), 'sysvitals-sys-'));
    try {
      cpSync(HOST_FIXTURE, proc, { recursive: true });
      const row = (n: string, rx: number, tx: number) => `${n}: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0`;
      writeFileSync(
        join(proc, 'net/dev'),
        [
          'Inter-|   Receive |  Transmit',
          ' face |bytes packets|bytes packets',
          row('lo', 99, 99),
          row('eth0', 5000, 6000),
          row('docker0', 2000, 2500),
          '',
        ].join('\n'),
      );
      for (const n of ['lo', 'docker0']) mkdirSync(join(sys, 'devices/virtual/net', n), { recursive: true });
      const withSys = JSON.parse(
        (await cli('collect', '--sample-ms', '0', '--proc-root', proc, '--sys-root', sys)).stdout,
      );
      expect(withSys.network.summed_interfaces).toEqual(['eth0']);
      expect([withSys.network.bytes_in, withSys.network.bytes_out]).toEqual([5000, 6000]);
      // Without it (an explicit --proc-root alone reads no sysfs): every interface but loopback, as documented.
      const without = JSON.parse((await cli('collect', '--sample-ms', '0', '--proc-root', proc)).stdout);
      expect(without.network.summed_interfaces).toEqual(['eth0', 'docker0']);
      expect(without.network.bytes_in).toBe(7000);
    } finally {
      rmSync(proc, { recursive: true, force: true });
      rmSync(sys, { recursive: true, force: true });
    }
  });

  it('collect --pretty indents it', async () => {
    const r = await cli('collect', '--pretty', '--sample-ms', '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^{\n {2}"timestamp": /);
    expect(JSON.parse(r.stdout).cpu.threshold).toBe(80);
  });

  it('collect --help lists its flags', async () => {
    const r = await cli('collect', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--pretty/);
    expect(r.stdout).toMatch(/--sample-ms <ms>/);
  });

  it('an unknown command is a usage error with a suggestion', async () => {
    const r = await cli('colect');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'colect'\. Did you mean `collect`\?/);
    expect(r.stdout).toBe('');
  });

  it('a bad flag is a usage error naming the flag', async () => {
    const r = await cli('collect', '--prety');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown flag '--prety'\. Did you mean `--pretty`\?/);
    expect(r.stderr).toMatch(/sysvitals collect --help/);
  });

  it('a bad flag value or a stray argument is a usage error', async () => {
    const bad = await cli('collect', '--sample-ms', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sample-ms must be a whole number/);
    const stray = await cli('collect', 'now');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/unexpected argument 'now'/);
    const global = await cli('--verbose');
    expect(global.code).toBe(2);
    expect(global.stderr).toMatch(/unknown flag '--verbose'/);
  });
});
