// The admin endpoints' paths known without the route table stay those of the route table (oracle: ADMIN_ROUTES).

import { describe, expect, it } from 'vitest';
import { ADMIN_ENDPOINT_PATHS, endpointTest } from '../../src/http/admin-paths.js';
import { adminRouteTable } from '../../src/http/admin-routes-table.js';
import { ADMIN_ROUTES } from '../../src/http/routes.js';

describe('ADMIN_ENDPOINT_PATHS', () => {
  it('lists every route of ADMIN_ROUTES with its prefix flag, in order', () => {
    expect(ADMIN_ENDPOINT_PATHS).toEqual(ADMIN_ROUTES.map((r) => [r.path, r.prefix === true]));
  });
  it('takes exactly the sub-paths the route table matches', () => {
    const table = adminRouteTable(ADMIN_ROUTES);
    const serves = endpointTest(undefined);
    const subpaths = [
      '',
      '/',
      'nope',
      'users',
      'metrics//',
      'metrics/x',
      'silences',
      'silences/',
      'silences/abc',
      'dashboard/app.js',
      'dashboardx',
      'metrics/prometheus/',
      ...ADMIN_ROUTES.flatMap((r) => [r.path, `${r.path}/`]),
    ];
    for (const s of subpaths) expect(serves(s), s).toBe(table.match(s) !== undefined);
  });
});
