// Starting one server of bench/overhead-server.ts as a child process, pinned, and waiting for its READY line
// (bench/overhead.ts and bench/floor.ts).

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pin, SERVER_CPU } from './paired.js';

const SERVER = fileURLToPath(new URL('../overhead-server.ts', import.meta.url));

/** A started server: its process and the port it listens on (127.0.0.1). */
export interface Started {
  child: ChildProcess;
  port: number;
}

/**
 * `node --import tsx bench/overhead-server.ts framework variant from`, pinned to `cpu`; resolves once it prints
 * READY, rejects (with `unavailable: true` when it printed UNAVAILABLE) otherwise, or after 60 s.
 */
export function startServer(
  framework: string,
  variant: string,
  from: string,
  cpu: number = SERVER_CPU,
): Promise<Started> {
  const [cmd, args] = pin(cpu, process.execPath, ['--import', 'tsx', SERVER, framework, variant, from]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`${framework}/${variant}: no READY within 60 s`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\d+)/.exec(out);
      const unavailable = /UNAVAILABLE (.*)/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, port: Number(ready[1]) });
      } else if (unavailable) fail(Object.assign(new Error(unavailable[1]), { unavailable: true }));
    });
    child.once('exit', (code) =>
      fail(new Error(`${framework}/${variant}: server exited with ${code} before READY`)),
    );
  });
}
