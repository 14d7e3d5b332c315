// A forwarded read crosses a worker <-> aggregator connection as a question and its answer (peer.ts). Whatever goes
// wrong on the way comes back as a RemoteError with a code (ClusterSource maps `unavailable` and `not_found` to the
// admin API's 503 and 404), never as what a write threw (a 500 on the asking worker), and a failure on the
// answering side is answered at once and logged there. Real sockets (a loopback TCP pair); the oracle is the
// documented code and the error thrown.

import { connect, createServer, Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Message, Peer, RemoteError } from '../../src/cluster/peer.js';
import { OutageLog } from '../../src/logger.js';

const open: Array<Server | Socket> = [];
afterEach(() => {
  for (const x of open.splice(0)) x instanceof Server ? x.close() : x.destroy();
});

/** Two connected Peers; `answer` answers each question the second one gets. */
async function pair(answer: (q: Message) => Promise<unknown>) {
  const warnings: Array<Record<string, unknown>> = [];
  const log = new OutageLog({
    warn: (o) => void warnings.push(o as Record<string, unknown>),
    error: () => {},
    info: () => {},
  });
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer(resolve).listen(0, '127.0.0.1');
    open.push(server);
  });
  const server = open[open.length - 1] as Server;
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  open.push(client);
  await new Promise((r) => client.once('connect', r));
  const far = await accepted;
  open.push(far);
  const asker = new Peer(
    client,
    () => {},
    () => {},
  );
  new Peer(
    far,
    (m, p) => p.reply(m.n, answer(m)),
    () => {},
    log,
  );
  return { asker, warnings };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    (data) => ({ ok: true, data }),
    (err: unknown) => ({
      remote: err instanceof RemoteError,
      code: (err as { code?: unknown }).code,
      message: (err as Error).message,
    }),
  );

describe('cluster connection: questions and answers', () => {
  it('an answer crosses as data', async () => {
    const { asker } = await pair(async () => ({ points: [1, 2] }));
    expect(await outcome(asker.ask({ t: 'q', q: { op: 'history' } }, 20_000))).toEqual({
      ok: true,
      data: { points: [1, 2] },
    });
  });

  it('a question that cannot be written is an `unavailable` RemoteError, not the TypeError the write threw', async () => {
    const { asker } = await pair(async () => 'never asked');
    const got = await outcome(asker.ask({ t: 'q', q: { op: 'history', n: 1n } }, 20_000));
    expect(got).toEqual({
      remote: true,
      code: 'unavailable',
      message: expect.stringContaining('the question could not be sent'),
    });
  });

  it('an answer that cannot be sent is answered `internal_error` at once (not left to the timeout), and logged', async () => {
    const { asker, warnings } = await pair(async () => ({ big: 1n }));
    const got = await outcome(asker.ask({ t: 'q', q: { op: 'history' } }, 20_000));
    expect(got).toEqual({ remote: true, code: 'internal_error', message: expect.stringMatching(/BigInt/) });
    expect(warnings.map((w) => w.component)).toEqual(['cluster answer']);
  });

  it('a bug where the question is answered is logged there with its stack, and the asker gets its code', async () => {
    const thrown = new TypeError("cannot read properties of undefined (reading 'points')");
    const { asker, warnings } = await pair(() => Promise.reject(thrown));
    const got = await outcome(asker.ask({ t: 'q', q: { op: 'history' } }, 20_000));
    expect(got).toEqual({ remote: true, code: 'internal_error', message: thrown.message });
    expect(warnings).toEqual([
      {
        component: 'cluster question',
        err: thrown.message,
        stack: (thrown.stack as string).split('\n').slice(0, 6).join('\n'),
      },
    ]);
  });

  it('a bug again after an answer that went through is logged again (once per outage, not once per life)', async () => {
    const outcomes = [new Error('first bug'), 'fine', new Error('second bug')];
    const { asker, warnings } = await pair(async () => {
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      return next;
    });
    for (let i = 0; i < 3; i++) await outcome(asker.ask({ t: 'q', q: { op: 'history' } }, 20_000));
    expect(warnings.map((w) => w.err)).toEqual(['first bug', 'second bug']);
  });

  it('a RemoteError where the question is answered keeps its code and is not logged as a bug', async () => {
    const { asker, warnings } = await pair(() =>
      Promise.reject(new RemoteError('not_found', 'no worker "9"')),
    );
    const got = await outcome(asker.ask({ t: 'q', q: { op: 'history' } }, 20_000));
    expect(got).toEqual({ remote: true, code: 'not_found', message: 'no worker "9"' });
    expect(warnings).toEqual([]);
  });
});
