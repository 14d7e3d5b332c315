// The machine's PostgreSQL and MariaDB `test` databases, for the tests that need them: a missing server skips its
// tests with what to install, except in CI (CI=true), where they must run and fail.

import { canConnect } from '../collector/helpers/tcp-proxy.js';

const CI = process.env.CI === 'true';

/** Skip (with a message) when a server is missing, except in CI where the test must run and fail. */
export function missing(available: boolean, what: string): boolean {
  if (available || CI) return false;
  console.warn(`[sysvitals tests] skipping: ${what}`);
  return true;
}

export const pgUser = process.env.PGUSER ?? 'postgres';
export const pgConfig = { host: '127.0.0.1', port: 5432, user: pgUser, database: 'test' };
export const myConfig = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };

export const pgMissing = missing(
  await canConnect(5432),
  'PostgreSQL is not listening on 127.0.0.1:5432 (apt-get install postgresql; database "test", trust auth)',
);
export const mysqlMissing = missing(
  await canConnect(3306),
  'MariaDB is not listening on 127.0.0.1:3306 (apt-get install mariadb-server; database "test", root without password)',
);
