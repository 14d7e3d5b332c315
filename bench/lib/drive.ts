// Keep-alive GETs at a bench server (bench/instructions.ts, bench/gc-observer.ts): the same requests in the same
// order, so two benches' counts per request are of the same work.

import { type Agent, request } from 'node:http';

/** The paths driven, in turn: one route with five ids. */
export const URLS = ['/users/1', '/users/22', '/users/333', '/users/4444', '/users/55555'];

/**
 * `count` GETs over `connections` keep-alive connections (one: sequential), each connection sending its share one
 * after the other; rejects on a status other than 200.
 */
export async function drive(port: number, count: number, agent: Agent, connections: number): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let c = 0; c < connections; c++) {
    const share = Math.floor(count / connections) + (c < count % connections ? 1 : 0);
    loops.push(driveOne(port, share, agent, c));
  }
  await Promise.all(loops);
}

async function driveOne(port: number, count: number, agent: Agent, offset: number): Promise<void> {
  for (let i = offset; i < count + offset; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: URLS[i % URLS.length], agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }
}

/**
 * `count` GETs, each on a connection of its own (no agent: Node's client sends `Connection: close`), one after the
 * other: a server's connection set-up, which a run over keep-alive sockets alone passes through once per socket.
 */
export async function driveFresh(port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: URLS[i % URLS.length], agent: false }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }
}
