// GET /work requests held on the cluster fixture (fixtures/app.ts: `/work?ms=` answers after ms) over new connections,
// their outcomes as the client saw them, and the cluster's figures the lost-request cases compare
// (lost-requests.test.ts, last-words.test.ts).

import { request } from 'node:http';
import { BASE, get, metricsOf, promValue } from './helpers.js';

export interface Outcome {
  status?: number;
  error?: string;
}

/** One GET over a new connection; a reset (or any socket error) is the outcome's `error`. */
export function slow(port: number, ms: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `/work?ms=${ms}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

/** The figures a case compares: Prometheus totals (5xx of GET /work, all requests), the cluster's requests_lost. */
export async function figures(port: number) {
  const text = (await get(port, `${BASE}/metrics/prometheus`)).body;
  const m = await metricsOf(port);
  return {
    m,
    total: promValue(text, 'sysvitals_http_requests_total'),
    work5xx: promValue(text, 'sysvitals_http_requests_total', 'route="/work",status_class="5xx"'),
    work2xx: promValue(text, 'sysvitals_http_requests_total', 'route="/work",status_class="2xx"'),
    all5xx: promValue(text, 'sysvitals_http_requests_total', 'status_class="5xx"'),
    lost: m.cluster.requests_lost as number,
  };
}

export type Figures = Awaited<ReturnType<typeof figures>>;

/** The client's count of requests cut (a socket error instead of an answer). */
export const cut = (seen: Outcome[]) => seen.filter((o) => o.error !== undefined).length;
