// Real Fastify 5 and 4 apps on port 0 for the plugin-registration tests (fastify-nested-plugin, fastify-plugin-twice):
// the two majors, a listen that closes its app after each test, and a fetch that reads the status.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { CURRENT_MAJORS, olderMajors } from './framework-modules.js';

export type Factory = (opts?: object) => FastifyInstance;

/** [label, factory] for Fastify 5 and 4. */
export const FASTIFY_MAJORS: Array<[string, () => Factory]> = [
  [`fastify ${CURRENT_MAJORS.versions.fastify}`, () => CURRENT_MAJORS.fastify as unknown as Factory],
  [`fastify ${olderMajors().versions.fastify} (fastify4)`, () => olderMajors().fastify as unknown as Factory],
];

/**
 * A `listen(app)` whose apps are closed after each test of the calling file, and `closeAfter` for what else it opens
 * (closed in reverse order; call at the file's top level).
 */
export function realFastify(): {
  listen(app: FastifyInstance): Promise<string>;
  closeAfter(close: () => Promise<void>): void;
} {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    closeAfter(close) {
      closers.push(close);
    },
    async listen(app) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      closers.push(async () => {
        app.server.closeAllConnections();
        await app.close();
      });
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    },
  };
}

/** GET `url`: its status, the body read. */
export async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return res.status;
}
