// A private redis-server for the collector's probe tests (never port 6379): start, stop, start again
// on the same port.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { canConnect, closedPort } from './tcp-proxy.js';

export const hasRedisServer = (): boolean => spawnSync('redis-server', ['--version']).status === 0;

export interface PrivateRedis {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  let port = await closedPort();
  while (port === 6379) port = await closedPort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    port,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 200; i++) {
        if (await canConnect(port)) return;
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`redis-server did not listen on ${port}`);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      await exited;
    },
  };
  await redis.start();
  return redis;
}
