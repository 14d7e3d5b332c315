// The scheme-less `user:password@host` rule (outside review D, RTD-5): it is for connection strings written without
// their scheme (MySQL Shell's `root:…@db:3306`, a proxy's `user:…@proxy:3128`, a Redis, Postgres or AMQP client's
// `connect to user:…@db:5432`), and it masked the local part of an e-mail address after a label (`a:b@c.com`,
// `Reply-To:alice@example.com`). Now a host with a port or a path, a one-label host, an IP address, a private
// network's name or a setting's value says credential; a public domain alone reads as an e-mail address. Oracles:
// the WHATWG URL parser (the password a client reads once its scheme is put back) and texts that are no credential.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

describe('a connection string without its scheme', () => {
  it.each([
    // [the scheme its client puts before it, text, the connection string in it]
    [
      'redis',
      'Error: connect ECONNREFUSED default:R3disPw9@127.0.0.1:6379',
      'default:R3disPw9@127.0.0.1:6379',
    ],
    ['postgres', 'could not connect to app:Pg5ecretX@db:5432', 'app:Pg5ecretX@db:5432'],
    [
      'postgres',
      'connect to app:Pg5ecretX@db.example.com:5432/app failed',
      'app:Pg5ecretX@db.example.com:5432/app',
    ],
    ['postgres', 'pool error for app:Pg5ecretX@db.example.com/app', 'app:Pg5ecretX@db.example.com/app'],
    ['amqp', 'amqp connect guest:Amqp5ecret@rabbit:5672 failed', 'guest:Amqp5ecret@rabbit:5672'],
    ['amqp', 'channel closed: guest:Amqp5ecret@rabbit', 'guest:Amqp5ecret@rabbit'],
    ['mysqlx', 'mysqlsh root:My5qlPw9@localhost failed', 'root:My5qlPw9@localhost'],
    [
      'redis',
      'lookup failed for default:R3disPw9@redis-0.redis.default.svc.cluster.local',
      'default:R3disPw9@redis-0.redis.default.svc.cluster.local',
    ],
    ['postgres', 'timeout: app:Pg5ecretX@db.internal', 'app:Pg5ecretX@db.internal'],
    ['postgres', 'timeout: app:Pg5ecretX@10.0.4.17', 'app:Pg5ecretX@10.0.4.17'],
    ['postgres', 'timeout: app:Pg5ecretX@[::1]:5432', 'app:Pg5ecretX@[::1]:5432'],
    ['http', 'HTTPS_PROXY=ops:Pr0xyPw9@proxy.example.com refused', 'ops:Pr0xyPw9@proxy.example.com'],
    ['http', 'proxy ops:Pr0xyPw9@proxy.example.com:3128 refused', 'ops:Pr0xyPw9@proxy.example.com:3128'],
  ])('%s: %j', (scheme, text, conn) => {
    const url = new URL(`${scheme}://${conn}`);
    expect(url.password).not.toBe(''); // the premise: its client reads a password there
    const shown = redactCredentials(text);
    expect(shown).not.toContain(url.password);
    const shownConn = conn.replace(`:${url.password}@`, `:${R}@`);
    expect(shown).toBe(text.replace(conn, shownConn));
    const shownUrl = new URL(`${scheme}://${shownConn}`);
    expect([shownUrl.username, shownUrl.host, shownUrl.pathname]).toEqual([
      url.username,
      url.host,
      url.pathname,
    ]);
  });
});

describe('an e-mail address after a label', () => {
  staysWhole('%j stays', [
    'a:b@c.com',
    'contact a:b@c.com for help',
    'Reply-To:alice@example.com',
    'cc:ops@example.com, bob@example.org',
    'author:jane.doe@mail.example.co.uk.',
    '(owner:team-infra@example.com)',
    'notify:oncall+db@example.com failed: 550 mailbox unavailable',
    // fast-uri's tests in node_modules: a percent-encoded `mailto:`.
    "fastURI.parse('ma%69lto:user@example.org')",
  ]);
});
