// What an anonymous request to the admin API costs the server, against the app's own 404 in the same run
// (outside review G3: does a request without a credential need a budget of its own, so that the admin API
// is no cheap amplifier?). `npx tsx bench/unauthenticated.ts [requests per kind] [rounds]`.
// A real Express server in a child process (sysvitals from src/); its CPU (process.cpuUsage, user + system)
// is read over IPC before and after each batch, so the client's work is not counted. Bytes are one whole
// response as written on the socket, and its request as sent.

import { type ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

const BASE = '/api/core/admin/system';
const TOKEN = 'bench-token-0123456789abcdef0123456789';

if (process.argv[2] === 'server') {
  const { default: express } = await import('express');
  const { createServer } = await import('node:http');
  const { createMonitor } = await import('../src/adapters/express.js');
  // Two apps: one unlimited (the 404, 401 and 403 paths), one whose refusal budget one guess spends (429).
  const ports: number[] = [];
  for (const rateLimit of [false, { max: 1, windowMs: 3_600_000 }] as const) {
    const app = express();
    app.use(createMonitor({ adminToken: TOKEN, rateLimit, sampleIntervalMs: 0 }).middleware());
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.push((server.address() as AddressInfo).port);
  }
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send!({ cpuUs: u.user + u.system });
  });
  process.send!({ ports });
} else {
  const perKind = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 5);
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['server'], {
    execArgv: ['--import', 'tsx'],
  });
  const next = () => new Promise<Record<string, unknown>>((r) => child.once('message', r as never));
  const { ports } = (await next()) as { ports: [number, number] };
  const cpu = async () => {
    const reply = next();
    child.send('cpu');
    return (await reply).cpuUs as number;
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const kinds: { name: string; port: number; path: string; headers: Record<string, string> }[] = [
    { name: "app's own 404 (baseline)", port: ports[0], path: '/nope', headers: {} },
    { name: "app's route 200", port: ports[0], path: '/users/7', headers: {} },
    { name: 'admin 401, no credential', port: ports[0], path: `${BASE}/health/`, headers: {} },
    {
      name: 'admin 403, wrong token',
      port: ports[0],
      path: `${BASE}/health/`,
      headers: { authorization: 'Bearer wrong-token-0123456789abcdef0123456' },
    },
    {
      name: 'admin 429, budget spent',
      port: ports[1],
      path: `${BASE}/health/`,
      headers: { authorization: 'Bearer wrong-token-0123456789abcdef0123456' },
    },
  ];
  const send = (k: (typeof kinds)[number]) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: k.port, path: k.path, headers: k.headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
  async function batch(k: (typeof kinds)[number], n: number): Promise<Set<number>> {
    const statuses = new Set<number>();
    let i = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (i++ < n) statuses.add(await send(k));
      }),
    );
    return statuses;
  }
  /** One response as written on the socket, and the request as sent (curl-like headers). */
  const wire = (k: (typeof kinds)[number]) =>
    new Promise<{ req: number; res: number }>((resolve) => {
      const head =
        `GET ${k.path} HTTP/1.1\r\nHost: 127.0.0.1:${k.port}\r\nUser-Agent: curl/8\r\nAccept: */*\r\n` +
        Object.entries(k.headers)
          .map(([n, v]) => `${n}: ${v}\r\n`)
          .join('') +
        'Connection: close\r\n\r\n';
      let bytes = 0;
      const s = connect(k.port, '127.0.0.1', () => s.write(head));
      s.on('data', (d) => (bytes += d.length));
      s.on('close', () => resolve({ req: Buffer.byteLength(head), res: bytes }));
    });

  await batch(kinds[4]!, 2); // spend the second app's budget
  for (const k of kinds) await batch(k, 2000); // warm-up (JIT, lazy route table)
  const us: number[][] = kinds.map(() => []);
  const seen: Set<number>[] = kinds.map(() => new Set());
  for (let r = 0; r < rounds; r++) {
    // Alternated order by round, so that no kind always runs first after a GC or a JIT tier-up.
    const order = kinds.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const before = await cpu();
      for (const s of await batch(kinds[i]!, perKind)) seen[i]!.add(s);
      us[i]!.push(((await cpu()) - before) / perKind);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(us[0]!);
  console.log(`${perKind} requests per kind and round, ${rounds} rounds, 16 keep-alive connections`);
  console.log(
    '| request | status | server CPU µs/request (median; min-max) | vs 404 | request B | response B |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const [i, k] of kinds.entries()) {
    const m = median(us[i]!);
    const w = await wire(k);
    const range = `${Math.min(...us[i]!).toFixed(1)}-${Math.max(...us[i]!).toFixed(1)}`;
    console.log(
      `| ${k.name} | ${[...seen[i]!].join(',')} | ${m.toFixed(1)} (${range}) | ${(m / base).toFixed(2)}x | ${w.req} | ${w.res} |`,
    );
  }
  agent.destroy();
  child.kill();
}
